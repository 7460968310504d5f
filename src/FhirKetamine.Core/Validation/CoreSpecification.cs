using System.Diagnostics;
using System.IO.Compression;
using System.Xml;

using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Hl7.Fhir.Specification.Source;

using FhirCanonical = Hl7.Fhir.Model.Canonical;

namespace FhirKetamine.Core.Validation;

/// <summary>
/// FHIR R4 core (profiles, extensions, ValueSets, CodeSystems) from specification.zip, indexed once per process and
/// shared by every validation context (a test run starts many hosts).
/// <para>
/// Indexed, not parsed: one <see cref="XmlReader"/> pass over the seven bundles (~49 MB of XML) keeps each entry's XML
/// with its type, id, url, version (and for a StructureDefinition its kind, derivation and abstract flag); an entry is
/// deserialised into its POCO the first time something resolves it, once. A validator that checks vital signs and
/// questionnaires resolves a few hundred of the ~4,500 resources, so start-up no longer pays Firely's XML
/// deserialiser for all of them (3–15 s on this machine, the bulk of the time to ready) nor the ~180 MB they took.
/// </para>
/// </summary>
public sealed class CoreSpecification
{
    private static readonly string[] Bundles =
    [
        "profiles-types.xml", "profiles-resources.xml", "profiles-others.xml", "extension-definitions.xml",
        "valuesets.xml", "v3-codesystems.xml", "v2-tables.xml",
    ];

    private static readonly Lazy<CoreSpecification> Loaded = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly IReadOnlyList<CoreEntry> _entries;

    private CoreSpecification(IReadOnlyList<CoreEntry> entries, TimeSpan loadTime)
    {
        _entries = entries;
        LoadTime = loadTime;
        Resolver = new CoreResolver(entries);
        var structureDefinitions = entries.Where(e => e.Type == "StructureDefinition" && e.Url is not null).ToList();
        StructureDefinitionUrls = structureDefinitions.Select(e => e.Url!).ToHashSet(StringComparer.Ordinal);
        ResourceTypeUrls = structureDefinitions
            .Where(e => e.Kind == "resource" && e.Derivation == "specialization" && !e.Abstract)
            .Select(e => e.Url!)
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>The process-wide core specification, indexed on first use.</summary>
    public static CoreSpecification Instance => Loaded.Value;

    /// <summary>Starts indexing on a pool thread (once per process), so that it overlaps whatever the caller does next.</summary>
    public static void Preload() => _ = Task.Run(() => Loaded.Value);

    /// <summary>Resolves core resources by canonical (<c>url|version</c>) or by <c>Type/id</c>, parsing each on first use.</summary>
    public CoreResolver Resolver { get; }

    public IReadOnlySet<string> StructureDefinitionUrls { get; }

    /// <summary>The canonical of every concrete core resource type (warm-up compiles them all).</summary>
    public IReadOnlyList<string> ResourceTypeUrls { get; }

    public TimeSpan LoadTime { get; }

    /// <summary>How many core resources have been parsed so far (the rest are only indexed).</summary>
    public int ParsedCount => _entries.Count(e => e.IsParsed);

    /// <summary>The canonical URLs of the core resources of one type (e.g. every ValueSet), without parsing them.</summary>
    public IEnumerable<string> CanonicalsOf(string resourceType) =>
        _entries.Where(e => e.Type == resourceType && e.Url is not null).Select(e => e.Url!);

    private static CoreSpecification Load()
    {
        var watch = Stopwatch.StartNew();
        var zipPath = Path.Combine(AppContext.BaseDirectory, "specification.zip");
        using var zip = ZipFile.OpenRead(zipPath);
        var entries = new List<CoreEntry>();
        foreach (var name in Bundles)
        {
            var entry = zip.GetEntry(name) ?? throw new InvalidOperationException($"{name} is missing in {zipPath}.");
            using var stream = entry.Open();
            entries.AddRange(Index(stream, name));
        }

        return new CoreSpecification(entries, watch.Elapsed);
    }

    /// <summary>Each <c>Bundle.entry.resource</c> of one bundle file: its XML and the few values the index needs.</summary>
    private static IEnumerable<CoreEntry> Index(Stream stream, string file)
    {
        using var reader = XmlReader.Create(stream, new XmlReaderSettings { IgnoreComments = true, IgnoreWhitespace = true, DtdProcessing = DtdProcessing.Prohibit });
        reader.MoveToContent(); // Bundle
        while (reader.Read())
        {
            if (reader is { NodeType: XmlNodeType.Element, Depth: 2, LocalName: "resource" })
            {
                reader.Read(); // to the resource element itself
                reader.MoveToContent();
                if (reader.NodeType != XmlNodeType.Element)
                {
                    throw new InvalidOperationException($"An entry of {file} has an empty resource.");
                }

                yield return CoreEntry.Of(reader.LocalName, reader.ReadOuterXml());
            }
        }
    }

    /// <summary>One core resource: indexed at start, parsed on first resolve.</summary>
    internal sealed class CoreEntry
    {
        private readonly Lazy<Resource> _resource;

        private CoreEntry(string type, string xml)
        {
            Type = type;
            _resource = new Lazy<Resource>(() => Parse(xml, type), LazyThreadSafetyMode.ExecutionAndPublication);
        }

        public string Type { get; }

        public string? Id { get; private set; }

        public string? Url { get; private set; }

        public string? Version { get; private set; }

        public string? Kind { get; private set; }

        public string? Derivation { get; private set; }

        public bool Abstract { get; private set; }

        public bool IsParsed => _resource.IsValueCreated;

        public Resource Resource => _resource.Value;

        /// <summary>Reads the top-level values the index needs, stopping at the first large part (snapshot, compose, concepts…).</summary>
        public static CoreEntry Of(string type, string xml)
        {
            var entry = new CoreEntry(type, xml);
            using var reader = XmlReader.Create(new StringReader(xml), new XmlReaderSettings { IgnoreComments = true, IgnoreWhitespace = true });
            reader.MoveToContent();
            if (reader.IsEmptyElement)
            {
                return entry;
            }

            reader.Read();
            while (reader.NodeType == XmlNodeType.Element)
            {
                switch (reader.LocalName)
                {
                    case "id": entry.Id = reader.GetAttribute("value"); break;
                    case "url": entry.Url = reader.GetAttribute("value"); break;
                    case "version": entry.Version = reader.GetAttribute("value"); break;
                    case "kind": entry.Kind = reader.GetAttribute("value"); break;
                    case "derivation": entry.Derivation = reader.GetAttribute("value"); break;
                    case "abstract": entry.Abstract = reader.GetAttribute("value") == "true"; break;
                    case "snapshot" or "differential" or "compose" or "expansion" or "concept" or "group" or "element":
                        return entry; // every value above precedes these
                }

                reader.Skip();
            }

            return entry;
        }

        private static Resource Parse(string xml, string type)
        {
            var parser = new FhirXmlDeserializer(new DeserializerSettings().UsingMode(DeserializationMode.Recoverable));
            parser.TryDeserializeResource(xml, out var parsed, out _);
            return parsed ?? throw new InvalidOperationException($"A core {type} in specification.zip does not parse.");
        }
    }

    /// <summary>
    /// What Firely's <see cref="InMemoryResourceResolver"/> answers (canonical with an optional <c>|version</c>, or
    /// <c>Type/id</c>; the first of several matches in file order), by hash lookup instead of a scan of every resource,
    /// over entries parsed on first use.
    /// </summary>
    public sealed class CoreResolver : IResourceResolver, IAsyncResourceResolver
    {
        private readonly Dictionary<string, List<CoreEntry>> _byUrl;
        private readonly Dictionary<string, CoreEntry> _byTypeAndId;

        internal CoreResolver(IReadOnlyList<CoreEntry> entries)
        {
            _byUrl = entries.Where(e => e.Url is not null).GroupBy(e => e.Url!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
            _byTypeAndId = new Dictionary<string, CoreEntry>(StringComparer.Ordinal);
            foreach (var entry in entries.Where(e => e.Id is not null))
            {
                _byTypeAndId.TryAdd($"{entry.Type}/{entry.Id}", entry);
            }
        }

        public Resource? ResolveByCanonicalUri(string uri) => TryResolveByCanonicalUri(uri).Value;

        public Resource? ResolveByUri(string uri) => TryResolveByUri(uri).Value;

        public Task<Resource?> ResolveByCanonicalUriAsync(string uri) => Task.FromResult(ResolveByCanonicalUri(uri));

        public Task<Resource?> ResolveByUriAsync(string uri) => Task.FromResult(ResolveByUri(uri));

        public Task<ResolverResult> TryResolveByCanonicalUriAsync(string uri) => Task.FromResult(TryResolveByCanonicalUri(uri));

        public Task<ResolverResult> TryResolveByUriAsync(string uri) => Task.FromResult(TryResolveByUri(uri));

        public ResolverResult TryResolveByCanonicalUri(string uri)
        {
            var canonical = new FhirCanonical(uri);
            var match = canonical.Uri is { } url && _byUrl.TryGetValue(url, out var candidates)
                ? candidates.FirstOrDefault(e => canonical.Version is null || FhirCanonical.MatchesVersion(e.Version, canonical.Version))
                : null;
            return match is null ? new ResolverResult(ResolverException.NotFound()) : new ResolverResult(match.Resource);
        }

        public ResolverResult TryResolveByUri(string uri)
        {
            var canonical = new FhirCanonical(uri);
            return canonical.Uri is { } typeAndId && _byTypeAndId.TryGetValue(typeAndId, out var match) && (canonical.Version is null || FhirCanonical.MatchesVersion(match.Version, canonical.Version))
                ? new ResolverResult(match.Resource)
                : new ResolverResult(ResolverException.NotFound());
        }
    }
}
