using System.Text.Json;

namespace FhirKetamine.Bench.Prefill;

/// <summary>
/// A cached, pre-filled SQLite database under bench/cache/ and its sidecar (patient ids, counts,
/// fill rate). The key carries the bench data version and the storage-schema hash.
/// </summary>
internal sealed record Dataset(
    string Key,
    string SchemaKey,
    int Patients,
    int ObservationsPerPatient,
    long Observations,
    double FillSeconds,
    DateTimeOffset CreatedAt,
    IReadOnlyList<string> PatientIds)
{
    /// <summary>Bump when the generated data changes shape (codes, dates, bundle layout).</summary>
    public const int DataVersion = 1;

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static string KeyFor(string schemaKey, int patients, int perPatient) =>
        $"obs-v{DataVersion}-schema{schemaKey}-{patients}x{perPatient}";

    public static string DatabasePath(string cacheDir, string key) => Path.Combine(cacheDir, key + ".db");

    public static string SidecarPath(string cacheDir, string key) => Path.Combine(cacheDir, key + ".json");

    public string DatabasePathIn(string cacheDir) => DatabasePath(cacheDir, Key);

    public static Dataset? TryLoad(string cacheDir, string key)
    {
        var sidecar = SidecarPath(cacheDir, key);
        if (!File.Exists(sidecar) || !File.Exists(DatabasePath(cacheDir, key)))
        {
            return null;
        }

        return JsonSerializer.Deserialize<Dataset>(File.ReadAllText(sidecar), Json);
    }

    public void Save(string cacheDir) => File.WriteAllText(SidecarPath(cacheDir, Key), JsonSerializer.Serialize(this, Json));

    /// <summary>Copies the database (and its WAL, if a crash left one) so a run never changes the cache.</summary>
    public string CopyTo(string cacheDir, string targetDir)
    {
        var source = DatabasePathIn(cacheDir);
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