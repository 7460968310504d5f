using System.Diagnostics;
using System.IO.Compression;

using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Hl7.Fhir.Specification.Source;

namespace FhirKetamine.Core.Validation;

/// <summary>
/// FHIR R4 core (profiles, extensions, ValueSets, CodeSystems) parsed once from specification.zip into
/// memory: ~3 s once, against ~11 s for the first validation over a ZipSource (VALIDATION.md trap 4).
/// Immutable after loading and shared by every validation context of the process (a test run starts
/// many hosts; each would otherwise pay the 3 s and ~180 MB again).
/// </summary>
public sealed class CoreSpecification
{
    private static readonly string[] Bundles =
    [
        "profiles-types.xml", "profiles-resources.xml", "profiles-others.xml", "extension-definitions.xml",
        "valuesets.xml", "v3-codesystems.xml", "v2-tables.xml",
    ];

    private static readonly Lazy<CoreSpecification> Loaded = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    private CoreSpecification(IReadOnlyList<Resource> resources, TimeSpan loadTime)
    {
        Resources = resources;
        LoadTime = loadTime;
        Resolver = new InMemoryResourceResolver(resources);
        StructureDefinitionUrls = resources.OfType<StructureDefinition>().Select(sd => sd.Url).OfType<string>().ToHashSet(StringComparer.Ordinal);
        ResourceTypeUrls = resources.OfType<StructureDefinition>()
            .Where(sd => sd.Kind == StructureDefinition.StructureDefinitionKind.Resource
                && sd.Derivation == StructureDefinition.TypeDerivationRule.Specialization && sd.Abstract != true)
            .Select(sd => sd.Url)
            .OfType<string>()
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>The process-wide core specification, loaded on first use.</summary>
    public static CoreSpecification Instance => Loaded.Value;

    public IReadOnlyList<Resource> Resources { get; }

    public InMemoryResourceResolver Resolver { get; }

    public IReadOnlySet<string> StructureDefinitionUrls { get; }

    /// <summary>The canonical of every concrete core resource type (warm-up compiles them all).</summary>
    public IReadOnlyList<string> ResourceTypeUrls { get; }

    public TimeSpan LoadTime { get; }

    private static CoreSpecification Load()
    {
        var watch = Stopwatch.StartNew();
        var zipPath = Path.Combine(AppContext.BaseDirectory, "specification.zip");
        var parser = new FhirXmlDeserializer(new DeserializerSettings().UsingMode(DeserializationMode.Recoverable));
        using var zip = ZipFile.OpenRead(zipPath);
        var resources = new List<Resource>();
        foreach (var name in Bundles)
        {
            var entry = zip.GetEntry(name) ?? throw new InvalidOperationException($"{name} is missing in {zipPath}.");
            using var reader = new StreamReader(entry.Open());
            parser.TryDeserializeResource(reader.ReadToEnd(), out var parsed, out _);
            var bundle = parsed as Bundle ?? throw new InvalidOperationException($"{name} in {zipPath} is not a Bundle.");
            resources.AddRange(bundle.Entry.Select(e => e.Resource).OfType<Resource>());
        }

        return new CoreSpecification(resources, watch.Elapsed);
    }
}