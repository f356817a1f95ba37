using Marten;
using Weasel.Core;
using Weasel.Core.Migrations;
using Weasel.Postgresql;

namespace PolicyTracker.Tracker.Storage;

/// <summary>
/// As-of by recorded time looks up the version current at T; an index on the event table's stream
/// and timestamp keeps that a single probe. A custom feature, because Marten creates those after its
/// event tables; Marten is told to leave the index alone when it compares mt_events.
/// </summary>
public sealed class AsOfIndex(StoreOptions options) : FeatureSchemaBase(nameof(AsOfIndex), options.Advanced.Migrator)
{
    public const string Name = "pt_events_stream_timestamp";

    protected override IEnumerable<ISchemaObject> schemaObjects()
    {
        yield return new Index(options.Events.DatabaseSchemaName);
    }

    private sealed class Index(string schema) : SchemaObjectBase(new PostgresqlObjectName(schema, Name, SchemaUtils.IdentifierUsage.General))
    {
        public override void WriteCreateStatement(Migrator migrator, TextWriter writer) =>
            writer.WriteLine($"create index if not exists {Name} on {schema}.mt_events (stream_id, timestamp);");

        public override void WriteDropStatement(Migrator rules, TextWriter writer) =>
            writer.WriteLine($"drop index if exists {schema}.{Name};");

        public override void ConfigureQueryCommand(Weasel.Core.DbCommandBuilder builder) =>
            builder.Append($"select count(*) from pg_indexes where schemaname = '{schema}' and indexname = '{Name}';");
    }
}
