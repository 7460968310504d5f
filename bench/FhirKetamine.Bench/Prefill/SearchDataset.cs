using System.Text.Json;

namespace FhirKetamine.Bench.Prefill;

/// <summary>
/// The issue-7 search dataset (<c>dataset</c> command): a seed filled through HTTP (real parsing, validation and
/// indexing), then copied <see cref="Copies"/> times inside SQLite. Copy <c>c</c> of a seed resource has the id
/// <c>{seed id}-c{c:D3}</c> (copy 0 is the seed itself) and every name that starts with the marker <c>K000</c> starts
/// with <c>K{c:D3}</c> instead, so that names stay unique per copy (string search matches prefixes).
/// </summary>
internal sealed record SearchDataset(
    string Key,
    string SchemaKey,
    int Copies,
    int Patients,
    long Observations,
    int Organizations,
    int Practitioners,
    double SeedSeconds,
    double MultiplySeconds,
    DateTimeOffset CreatedAt,
    IReadOnlyList<SearchDataset.SeedPatient> SeedPatients,
    IReadOnlyList<SearchDataset.SeedNamed> SeedOrganizations,
    IReadOnlyList<SearchDataset.SeedNamed> SeedPractitioners)
{
    /// <summary>Bump when the generated data changes shape (resources, names, counts, codes, dates).</summary>
    public const int DataVersion = 1;

    public const string Marker = "K000";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    /// <summary>A seed patient: its id, family name (with the marker), organization and GP (indexes into the seed lists) and its counts.</summary>
    public sealed record SeedPatient(string Id, string Family, int Organization, int Practitioner, int Observations, int HeartRates, int HeartRatesFromJuly);

    public sealed record SeedNamed(string Id, string Name);

    public static string KeyFor(string schemaKey, int seedPatients, int copies, long observations, int heavy, int heavyCount) =>
        $"search-v{DataVersion}-schema{schemaKey}-{seedPatients * copies}p-{observations}o-{heavy * copies}x{heavyCount}";

    public static string Suffix(int copy) => copy == 0 ? "" : $"-c{copy:D3}";

    public static string MarkerOf(int copy) => $"K{copy:D3}";

    /// <summary>A seed name (starting with the marker) as it reads in copy <paramref name="copy"/>.</summary>
    public static string NameIn(string seedName, int copy) =>
        seedName.StartsWith(Marker, StringComparison.Ordinal) ? MarkerOf(copy) + seedName[Marker.Length..] : seedName;

    public static string DatabasePath(string cacheDir, string key) => Path.Combine(cacheDir, key + ".db");

    public static string SidecarPath(string cacheDir, string key) => Path.Combine(cacheDir, key + ".json");

    public static SearchDataset? TryLoad(string cacheDir, string key)
    {
        var sidecar = SidecarPath(cacheDir, key);
        return File.Exists(sidecar) && File.Exists(DatabasePath(cacheDir, key))
            ? JsonSerializer.Deserialize<SearchDataset>(File.ReadAllText(sidecar), Json)
            : null;
    }

    public void Save(string cacheDir) => File.WriteAllText(SidecarPath(cacheDir, Key), JsonSerializer.Serialize(this, Json));

    /// <summary>Copies the database so a run never changes the cache.</summary>
    public string CopyTo(string cacheDir, string targetDir)
    {
        var source = DatabasePath(cacheDir, Key);
        var target = Path.Combine(targetDir, "fhir.db");
        foreach (var suffix in new[] { "", "-wal" })
        {
            if (File.Exists(source + suffix))
            {
                File.Copy(source + suffix, target + suffix, overwrite: true);
            }
        }

        return target;
    }
}
