using PolicyTracker.ServiceDefaults;
using PolicyTracker.Tracker;
using PolicyTracker.Tracker.Storage;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddPredictionStore();
builder.AddTrackerMessaging();
builder.AddTrackerWorkers();

var app = builder.Build();
app.MapServiceDefaults();
app.MapPredictionEndpoints();
app.Run();

public partial class Program;
