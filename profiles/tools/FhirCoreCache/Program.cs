// Writes the FHIR R4 core package (hl7.fhir.r4.core#4.0.1) into a SUSHI package cache, converted from the
// specification.zip that NuGet's Hl7.Fhir.Specification.Data.R4 ships. Usage: FhirCoreCache [cacheRoot]
// (default $HOME/.fhir/packages). Idempotent: an existing complete package is left alone.
// The result is a rebuilt copy (narratives stripped by Firely): for local builds only, never publish it.
using System.IO.Compression;
using System.Text;

using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

const string PackageName = "hl7.fhir.r4.core";
const string PackageVersion = "4.0.1";
const string CompleteMarker = ".fhirketamine-complete";

string[] bundles =
[
    "profiles-types.xml", "profiles-resources.xml", "profiles-others.xml", "extension-definitions.xml",
    "valuesets.xml", "v3-codesystems.xml", "v2-tables.xml", "conceptmaps.xml", "search-parameters.xml",
    "namingsystem-registry.xml",
];

var cacheRoot = args.Length > 0
    ? args[0]
    : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".fhir", "packages");
var packageDir = Path.Combine(cacheRoot, $"{PackageName}#{PackageVersion}", "package");
if (File.Exists(Path.Combine(packageDir, CompleteMarker)))
{
    Console.WriteLine($"{PackageName}#{PackageVersion} already in {cacheRoot}");
    return 0;
}

var zipPath = FindSpecificationZip();
if (zipPath is null)
{
    Console.Error.WriteLine("specification.zip not found: restore Hl7.Fhir.Specification.Data.R4 first.");
    return 1;
}

if (Directory.Exists(packageDir))
{
    Directory.Delete(packageDir, recursive: true);
}

Directory.CreateDirectory(packageDir);
var parser = new FhirXmlDeserializer(new DeserializerSettings().UsingMode(DeserializationMode.Recoverable));
var written = new HashSet<string>(StringComparer.Ordinal);
var issues = 0;
using (var zip = ZipFile.OpenRead(zipPath))
{
    foreach (var name in bundles)
    {
        var entry = zip.GetEntry(name) ?? throw new InvalidOperationException($"{name} missing in {zipPath}");
        using var reader = new StreamReader(entry.Open(), Encoding.UTF8);
        if (!parser.TryDeserializeResource(reader.ReadToEnd(), out var parsed, out var parseIssues))
        {
            issues += parseIssues.Count();
        }

        if (parsed is not Bundle bundle)
        {
            throw new InvalidOperationException($"{name} is not a Bundle");
        }

        foreach (var resource in bundle.Entry.Select(e => e.Resource).OfType<Resource>())
        {
            var file = $"{resource.TypeName}-{resource.Id}.json";
            if (written.Add(file))
            {
                File.WriteAllText(Path.Combine(packageDir, file), resource.ToJson(), new UTF8Encoding(false));
            }
        }
    }
}

File.WriteAllText(Path.Combine(packageDir, "package.json"), $$"""
    {
      "name": "{{PackageName}}",
      "version": "{{PackageVersion}}",
      "type": "Core",
      "fhirVersions": ["{{PackageVersion}}"],
      "canonical": "http://hl7.org/fhir",
      "description": "FHIR R4 core rebuilt from Hl7.Fhir.Specification.Data.R4 for offline SUSHI builds (narratives stripped; do not publish)"
    }
    """);
File.WriteAllText(Path.Combine(packageDir, CompleteMarker), "");
Console.WriteLine($"{PackageName}#{PackageVersion}: {written.Count} resources, {issues} parse issues -> {packageDir}");
return issues == 0 ? 0 : 1;

static string? FindSpecificationZip()
{
    var nugetRoot = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
        ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
    string[] candidates =
    [
        Path.Combine(AppContext.BaseDirectory, "specification.zip"),
        Path.Combine(nugetRoot, "hl7.fhir.specification.data.r4", "6.8.0", "contentFiles", "any", "any", "specification.zip"),
    ];
    return candidates.FirstOrDefault(File.Exists);
}