using System.Collections;
using System.Reflection;
using System.Text.Json;

namespace PolicyTracker.ServiceDefaults.Requests;

/// <summary>
/// What a client is told when System.Text.Json cannot read its body into the request record: the field
/// it broke at ("links[0].stance"), and what that field must be, worked out from the record's own type.
/// Used for bound bodies (by the exception handler) and for items read one by one (batch lines), so both
/// say the same thing.
/// </summary>
public static class JsonBodyErrors
{
    /// <summary>Reads <paramref name="json"/> as a <typeparamref name="T"/>; on failure, the field errors instead.</summary>
    public static bool TryRead<T>(JsonElement json, JsonSerializerOptions options, out T? value, out Dictionary<string, string[]> errors)
    {
        errors = [];
        value = default;
        if (json.ValueKind != JsonValueKind.Object)
        {
            errors["body"] = ["must be a JSON object"];
            return false;
        }
        try
        {
            value = json.Deserialize<T>(options);
            return true;
        }
        catch (JsonException ex)
        {
            errors = For(ex, typeof(T));
            return false;
        }
    }

    /// <summary>
    /// A syntax error is the body's ("Malformed JSON at line 1, position 9."); a value of the wrong kind is its
    /// field's. The reader's own errors come wrapped (their inner exception is the reader's), conversion errors do not.
    /// </summary>
    public static Dictionary<string, string[]> For(JsonException exception, Type? requestType)
    {
        if (exception.InnerException is JsonException || exception.Path is null)
        {
            var at = exception.LineNumber is { } line ? $" at line {line + 1}, position {exception.BytePositionInLine + 1}" : "";
            return new() { ["body"] = [$"Malformed JSON{at}."] };
        }
        var segments = Segments(exception.Path);
        var field = segments.Count == 0 ? "body" : string.Concat(segments.Select((s, i) => s.StartsWith('[') || i == 0 ? s : "." + s));
        var expected = requestType is null ? null : TypeAt(requestType, segments);
        return new() { [field] = [Expectation(expected, segments.Count == 0)] };
    }

    /// <summary>"$.links[0].stance" as ["links", "[0]", "stance"]; "$['odd.name']" keeps the name whole.</summary>
    private static List<string> Segments(string path)
    {
        var segments = new List<string>();
        var i = path.StartsWith('$') ? 1 : 0;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                var end = path.IndexOfAny(['.', '['], i + 1);
                end = end < 0 ? path.Length : end;
                segments.Add(path[(i + 1)..end]);
                i = end;
            }
            else if (path.AsSpan(i).StartsWith("['"))
            {
                var end = path.IndexOf("']", i + 2, StringComparison.Ordinal);
                end = end < 0 ? path.Length : end;
                segments.Add(path[(i + 2)..end]);
                i = Math.Min(end + 2, path.Length);
            }
            else if (path[i] == '[')
            {
                var end = path.IndexOf(']', i);
                end = end < 0 ? path.Length - 1 : end;
                segments.Add(path[i..(end + 1)]);
                i = end + 1;
            }
            else
            {
                break;
            }
        }
        return segments;
    }

    /// <summary>The declared type at a path in the request record; null when the path leaves what the record declares.</summary>
    private static Type? TypeAt(Type type, IEnumerable<string> segments)
    {
        Type? current = type;
        foreach (var segment in segments)
        {
            current = Nullable.GetUnderlyingType(current!) ?? current;
            current = segment.StartsWith('[')
                ? ElementType(current!)
                : current!.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                    .FirstOrDefault(p => p.Name.Equals(segment, StringComparison.OrdinalIgnoreCase))?.PropertyType;
            if (current is null)
            {
                return null;
            }
        }
        return current;
    }

    private static Type? ElementType(Type type) =>
        type.IsArray ? type.GetElementType()
        : type.GetInterfaces().Append(type).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))?.GetGenericArguments()[0];

    private static string Expectation(Type? type, bool whole)
    {
        type = type is null ? null : Nullable.GetUnderlyingType(type) ?? type;
        return type switch
        {
            null => "has a value of the wrong kind",
            _ when type == typeof(string) => "must be a string",
            _ when type == typeof(bool) => "must be true or false",
            _ when type == typeof(int) || type == typeof(long) || type == typeof(short) => "must be a whole number",
            _ when type == typeof(double) || type == typeof(float) || type == typeof(decimal) => "must be a number",
            _ when type == typeof(Guid) => "must be a UUID",
            _ when type == typeof(DateTimeOffset) || type == typeof(DateTime) => "must be a time (ISO 8601)",
            _ when type.IsEnum => InputParsing.OneOf(type),
            _ when type == typeof(JsonElement) => "must be JSON",
            _ when typeof(IEnumerable).IsAssignableFrom(type) => "must be an array",
            _ => whole ? "must be a JSON object" : "must be an object",
        };
    }
}
