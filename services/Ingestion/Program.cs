using PolicyTracker.Ingestion.Feeds;
using PolicyTracker.Ingestion.Matching;
using PolicyTracker.Ingestion.Predictions;
using PolicyTracker.Ingestion.ReadingStatements;
using PolicyTracker.Ingestion.Statements;
using PolicyTracker.Ingestion.SubmittingStatements;
using PolicyTracker.Ingestion.Triage;
using PolicyTracker.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddStatementStore();
builder.AddMatching();
builder.AddPredictionReadModel();
builder.AddFeeds();

var app = builder.Build();
app.MapServiceDefaults();
app.MapSubmitStatementEndpoints();
app.MapStatementViewEndpoints();
app.MapTriageEndpoints();
app.MapFeedEndpoints();
app.Run();

public partial class Program;
