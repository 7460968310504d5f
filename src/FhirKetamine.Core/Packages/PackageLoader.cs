using System.Net;
using System.Text.Json;
using FhirKetamine.Core.Rest;
using FhirKetamine.Core.Smart;
using Hl7.Fhir.Model;
using Microsoft.Extensions.Logging;

namespace FhirKetamine.Core.Packages;

/// <summary>
/// Loads the conformance resources of a FHIR NPM package folder (its <c>package.json</c> and one JSON file
/// per resource) into the store, so they are readable and searchable like any resource
/// (<c>GET /fhir/StructureDefinition?url=…</c>). Idempotent: a resource already stored at the same
/// version of the package is left alone; a newer package version replaces it as a new version.
/// </summary>
public sealed partial class PackageLoader(ResourceInteractions rest, FhirSerialization fhir, ILogger<PackageLoader> logger)
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
        var loaded = 0;
        foreach (var file in Directory.EnumerateFiles(folder, "*.json").Order(StringComparer.Ordinal))
        {
            var fileName = Path.GetFileName(file);
            if (fileName.StartsWith('.') || fileName == "package.json")
            {
                continue;
            }

            var resource = fhir.ParseJson(await File.ReadAllBytesAsync(file, ct));
            if (resource.Id is null)
            {
                throw new InvalidOperationException($"Package resource {fileName} has no id.");
            }

            if (await IsCurrentAsync(resource, tag, ct))
            {
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
                var issues = ex.Outcome.Issue
                    .Where(i => i.Severity is OperationOutcome.IssueSeverity.Error or OperationOutcome.IssueSeverity.Fatal)
                    .Select(i => $"{i.Details?.Text ?? i.Diagnostics} ({string.Join(", ", i.Expression)})");
                throw new InvalidOperationException(
                    $"Package {name}#{version}: {fileName} was refused ({(int)ex.Status}): {string.Join("; ", issues)}", ex);
            }
            loaded++;
        }

        LogLoaded(logger, name ?? folder, version ?? "?", loaded);
        return loaded;
    }

    private async Task<bool> IsCurrentAsync(Resource resource, Coding tag, CancellationToken ct)
    {
        try
        {
            var stored = await rest.ReadAsync(new FhirRequest(Interaction.Read, SmartAccess.Unrestricted) { ResourceType = resource.TypeName, Id = resource.Id }, ct);
            var current = stored.Resource ?? fhir.ParseStored(stored.StoredJson!);
            return current.Meta?.Tag.Any(t => t.System == tag.System && t.Code == tag.Code) == true;
        }
        catch (FhirException ex) when (ex.Status is HttpStatusCode.NotFound or HttpStatusCode.Gone)
        {
            return false;
        }
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "FHIR package {Package}#{Version}: {Count} resource(s) loaded or updated")]
    private static partial void LogLoaded(ILogger logger, string package, string version, int count);
}
