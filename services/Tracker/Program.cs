using PolicyTracker.ServiceDefaults;
using PolicyTracker.Tracker;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddTracker();

var app = builder.Build();
app.MapServiceDefaults();
app.MapTracker();
app.Run();

public partial class Program;
