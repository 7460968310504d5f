using System.Globalization;
using System.Text;
using System.Text.Json;

namespace FhirKetamine.Core.Export;

/// <summary>One NDJSON file of a finished export: its resource type, its name in the job's folder and its line count.</summary>
public sealed record ExportFile(string Type, string Name, long Count);

/// <summary>The completion manifest of Bulk Data v2 (export.html#response---complete-status).</summary>
public static class ExportManifest
{
    public static string FileUrl(ExportJobRow job, string name) => $"{job.BaseUrl}/$export-file/{job.Id}/{name}";

    public static string Write(ExportJobRow job, IEnumerable<ExportFile> output, IEnumerable<ExportFile> errors)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("transactionTime", job.TransactionTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            json.WriteString("request", job.Request);
            json.WriteBoolean("requiresAccessToken", true);
            WriteFiles(json, "output", job, output);
            WriteFiles(json, "error", job, errors);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteFiles(Utf8JsonWriter json, string name, ExportJobRow job, IEnumerable<ExportFile> files)
    {
        json.WriteStartArray(name);
        foreach (var file in files)
        {
            json.WriteStartObject();
            json.WriteString("type", file.Type);
            json.WriteString("url", FileUrl(job, file.Name));
            json.WriteNumber("count", file.Count);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }
}