using PolicyTracker.Notifications;
using PolicyTracker.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddNotifications();

var app = builder.Build();
app.MapServiceDefaults();
app.MapNotifications();
app.Run();

public partial class Program;
