using System.Net;
using System.Text.Json;
using FhirKetamine.Core.Rest;
using FhirKetamine.Core.Smart;
using FhirKetamine.Core.Storage;
using Hl7.Fhir.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace FhirKetamine.Core.Packages;

/// <summary>
/// Loads the conformance resources of a FHIR NPM package folder (its <c>package.json</c> and one JSON file
/// per resource) into the store, so they are readable and searchable like any resource
/// (<c>GET /fhir/StructureDefinition?url=…</c>). Idempotent: a resource already stored at the same
/// version of the package is left alone; a newer package version replaces it as a new version; one that a client
/// replaced without the package tag (a clinic's own thresholds) is kept, with a warning in the log.
/// A start with the package already stored costs one query: the files' type and id are read without parsing them as
/// FHIR, and only those whose stored copy does not carry this package version's tag are parsed and compared.
/// </summary>
public sealed partial class PackageLoader(ResourceInteractions rest, FhirSerialization fhir, FhirDbContext db, ILogger<PackageLoader> logger)
{
    public async Task<int> LoadAsync(string folder, CancellationToken ct)
    {
        var manifestPath = Path.Combine(folder, "package.json");
        if (!File.Exists(manifestPath))
        {
            throw new InvalidOperationException($"No FHIR package at '{folder}': package.json is missing.");
        }

        using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(manifestPath, ct));
        var name = manifest.RootElement.GetProperty("name").GetString();
        var version = manifest.RootElement.GetProperty("version").GetString();
        var tag = new Coding("http://fhir-ketamine.org/fhir/CodeSystem/package", $"{name}#{version}");
        var files = new List<PackageFile>();
        foreach (var file in Directory.EnumerateFiles(folder, "*.json").Order(StringComparer.Ordinal))
        {
            var fileName = Path.GetFileName(file);
            if (!fileName.StartsWith('.') && fileName != "package.json")
            {
                files.Add(PackageFile.Read(fileName, await File.ReadAllBytesAsync(file, ct)));
            }
        }

        var current = await StoredWithTagAsync(files.Select(f => f.Type).Distinct().ToList(), tag, ct);
        var loaded = 0;
        foreach (var (fileName, bytes, type, id) in files)
        {
            if (current.Contains((type, id)))
            {
                continue;
            }

            var resource = fhir.ParseJson(bytes);
            switch (await StoredStateAsync(resource, tag, ct))
            {
                case Stored.Current:
                    continue;
                case Stored.ByClient:
                    // Stored without any package tag: a clinic replaced it through the API (an ObservationDefinition with
                    // its own thresholds, say). Restoring the package's copy would silently undo that at every start.
                    LogKeptClientVersion(logger, $"{resource.TypeName}/{resource.Id}", name ?? folder, version ?? "?");
                    continue;
            }

            resource.Meta ??= new Meta();
            resource.Meta.Tag.RemoveAll(t => t.System == tag.System);
            resource.Meta.Tag.Add(tag);
            try
            {
                await rest.UpdateAsync(new FhirRequest(Interaction.Update, SmartAccess.Unrestricted)
                {
                    ResourceType = resource.TypeName, Id = resource.Id, Resource = resource,
                }, ct);
            }
            catch (FhirException ex)
            {
                var issues = ex.Outcome.Errors().Select(i => $"{i.Text()} ({string.Join(", ", i.Expression)})");
                throw new InvalidOperationException(
                    $"Package {name}#{version}: {fileName} was refused ({(int)ex.Status}): {string.Join("; ", issues)}", ex);
            }
            loaded++;
        }

        LogLoaded(logger, name ?? folder, version ?? "?", loaded);
        return loaded;
    }

    /// <summary>
    /// The resources of the given types whose current version carries <paramref name="tag"/> (from the <c>_tag</c>
    /// index rows, which belong to the current version only): these are stored at this package version already.
    /// </summary>
    private async Task<HashSet<(string Type, string Id)>> StoredWithTagAsync(List<string> types, Coding tag, CancellationToken ct)
    {
        var rows = await db.TokenIndex.AsNoTracking()
            .Where(t => types.Contains(t.ResourceType) && t.ParamName == "_tag" && t.Code == tag.Code && t.System == tag.System)
            .Join(db.Resources.Where(r => !r.IsDeleted), t => t.ResourceKey, r => r.Key, (t, r) => new { r.Type, r.LogicalId })
            .ToListAsync(ct);
        return rows.Select(r => (r.Type, r.LogicalId)).ToHashSet();
    }

    private async Task<Stored> StoredStateAsync(Resource resource, Coding tag, CancellationToken ct)
    {
        try
        {
            var stored = await rest.ReadAsync(new FhirRequest(Interaction.Read, SmartAccess.Unrestricted) { ResourceType = resource.TypeName, Id = resource.Id }, ct);
            var current = stored.Resource ?? fhir.ParseStored(stored.StoredJson!);
            var tags = current.Meta?.Tag.Where(t => t.System == tag.System).ToList() ?? [];
            return tags.Count == 0 ? Stored.ByClient
                : tags.Any(t => t.Code == tag.Code) ? Stored.Current
                : Stored.OtherPackageVersion;
        }
        catch (FhirException ex) when (ex.Status is HttpStatusCode.NotFound or HttpStatusCode.Gone)
        {
            return Stored.Missing;
        }
    }

    /// <summary>A package file with its type and id, read with a JSON reader (no FHIR parse).</summary>
    private sealed record PackageFile(string FileName, byte[] Bytes, string Type, string Id)
    {
        public static PackageFile Read(string fileName, byte[] bytes)
        {
            string? type = null, id = null;
            var reader = new Utf8JsonReader(bytes);
            try
            {
                while ((type is null || id is null) && reader.Read())
                {
                    if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1)
                    {
                        var name = reader.GetString();
                        reader.Read();
                        if (name == "resourceType" && reader.TokenType == JsonTokenType.String)
                        {
                            type = reader.GetString();
                        }
                        else if (name == "id" && reader.TokenType == JsonTokenType.String)
                        {
                            id = reader.GetString();
                        }
                        else
                        {
                            reader.Skip();
                        }
                    }
                }
            }
            catch (JsonException ex)
            {
                throw new InvalidOperationException($"Package resource {fileName} is not valid JSON: {ex.Message}", ex);
            }

            return type is null ? throw new InvalidOperationException($"Package resource {fileName} has no resourceType.")
                : id is null ? throw new InvalidOperationException($"Package resource {fileName} has no id.")
                : new PackageFile(fileName, bytes, type, id);
        }
    }

    private enum Stored
    {
        Missing,
        Current,
        OtherPackageVersion,
        ByClient,
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "FHIR package {Package}#{Version}: {Count} resource(s) loaded or updated")]
    private static partial void LogLoaded(ILogger logger, string package, string version, int count);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "{Resource} was replaced through the API without the package tag; kept it instead of {Package}#{Version}'s copy (DELETE it to get the package's back)")]
    private static partial void LogKeptClientVersion(ILogger logger, string resource, string package, string version);
}
