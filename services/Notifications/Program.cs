using PolicyTracker.Notifications;
using PolicyTracker.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddNotificationsStore();
builder.AddNotificationsMessaging();
builder.AddDeliveries();

var app = builder.Build();
app.MapServiceDefaults();
app.MapNotificationsEndpoints();
app.Run();

public partial class Program;
