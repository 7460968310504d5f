using System.Collections.Concurrent;
using System.IO.Compression;

using Firely.Fhir.Validation;
using Firely.Fhir.Validation.Compilation;

using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Hl7.Fhir.Specification.Source;
using Hl7.Fhir.Specification.Terminology;

namespace FhirKetamine.Core.Tests.Profiles;

/// <summary>
/// One Firely validator stack for every IG test (built once: ~3 s): FHIR R4 core parsed from
/// specification.zip into memory, the fhir-ketamine package from the test output's profiles/package/,
/// snapshots on demand, local terminology and one shared compiled-schema cache (shared/VALIDATION.md,
/// "A construction that worked"). Validation is serialised: the Firely stack is not thread-safe.
/// </summary>
public sealed class ProfileValidatorFixture
{
    private static readonly string[] CoreBundles =
    [
        "profiles-types.xml", "profiles-resources.xml", "profiles-others.xml", "extension-definitions.xml",
        "valuesets.xml", "v3-codesystems.xml", "v2-tables.xml",
    ];

    private readonly Lock _gate = new();
    private readonly ValidationSettings _settings = new();

    public ProfileValidatorFixture()
    {
        PackageDirectory = Path.Combine(AppContext.BaseDirectory, "profiles", "package");
        ExamplesDirectory = Path.Combine(AppContext.BaseDirectory, "examples");
        PackageResources = IgFiles.LoadResources(PackageDirectory);
        var core = new InMemoryResourceResolver(LoadCore());
        var package = new InMemoryResourceResolver(PackageResources.Values);
        Resolver = new CachedResolver(new SnapshotSource(new MultiResolver(package, core)));
        Terminology = LocalTerminologyService.CreateDefaultForCore(Resolver);
        Schemas = StructureDefinitionToElementSchemaResolver.CreatedCached(
            Resolver, new ConcurrentDictionary<Firely.Fhir.Validation.Canonical, ElementSchema?>());
    }

    public string PackageDirectory { get; }

    public string ExamplesDirectory { get; }

    /// <summary>Every resource of the package (not its examples), keyed by file name.</summary>
    public IReadOnlyDictionary<string, Resource> PackageResources { get; }

    public CachedResolver Resolver { get; }

    public ICodeValidationTerminologyService Terminology { get; }

    public IElementSchemaResolver Schemas { get; }

    /// <summary>Validates against core R4 plus every meta.profile (and <paramref name="profile"/> if given).</summary>
    public OperationOutcome Validate(Resource resource, string? profile = null)
    {
        lock (_gate)
        {
            var validator = new Validator(Resolver, Terminology, null, _settings, Schemas);
            return validator.Validate(resource, profile);
        }
    }

    private static IEnumerable<Resource> LoadCore()
    {
        var zipPath = Path.Combine(AppContext.BaseDirectory, "specification.zip");
        var parser = new FhirXmlDeserializer(new DeserializerSettings().UsingMode(DeserializationMode.Recoverable));
        using var zip = ZipFile.OpenRead(zipPath);
        var resources = new List<Resource>();
        foreach (var name in CoreBundles)
        {
            var entry = zip.GetEntry(name) ?? throw new InvalidOperationException($"{name} missing in {zipPath}");
            using var reader = new StreamReader(entry.Open());
            parser.TryDeserializeResource(reader.ReadToEnd(), out var parsed, out _);
            var bundle = parsed as Bundle ?? throw new InvalidOperationException($"{name} is not a Bundle");
            resources.AddRange(bundle.Entry.Select(e => e.Resource).OfType<Resource>());
        }

        return resources;
    }
}

[CollectionDefinition(Name)]
public sealed class ProfileValidatorCollection : ICollectionFixture<ProfileValidatorFixture>
{
    public const string Name = "fhir-ketamine package validator";
}