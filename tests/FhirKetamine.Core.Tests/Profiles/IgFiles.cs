using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

namespace FhirKetamine.Core.Tests.Profiles;

/// <summary>Reading the IG's package and example files as the tests see them (copied to the test output).</summary>
internal static class IgFiles
{
    public static readonly string OutputRoot = AppContext.BaseDirectory;

    private static readonly FhirJsonDeserializer Strict = new();

    private static readonly FhirJsonDeserializer Lenient =
        new(new DeserializerSettings().UsingMode(DeserializationMode.Recoverable));

    public static Resource Parse(string path) => Strict.DeserializeResource(File.ReadAllText(path));

    /// <summary>Parses without enforcing cardinality, so the validator (not the parser) reports what is wrong.</summary>
    public static Resource ParseLenient(string path)
    {
        Lenient.TryDeserializeResource(File.ReadAllText(path), out var resource, out _);
        return resource ?? throw new InvalidOperationException($"{path} is not a FHIR resource");
    }

    public static IReadOnlyDictionary<string, Resource> LoadResources(string directory) =>
        Directory.EnumerateFiles(directory, "*.json")
            .Where(f => !Path.GetFileName(f).StartsWith('.') && Path.GetFileName(f) != "package.json")
            .OrderBy(f => f, StringComparer.Ordinal)
            .ToDictionary(f => Path.GetFileName(f), Parse);

    /// <summary>Paths of every valid example (examples/valid and examples/journey), relative to examples/.</summary>
    public static IEnumerable<string> ValidExamples() =>
        new[] { "valid", "journey" }
            .Select(d => Path.Combine(OutputRoot, "examples", d))
            .Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateFiles(d, "*.json"))
            .Select(f => Path.GetRelativePath(Path.Combine(OutputRoot, "examples"), f).Replace('\\', '/'))
            .OrderBy(f => f, StringComparer.Ordinal);

    public static string ExamplePath(string relative) => Path.Combine(OutputRoot, "examples", relative);
}