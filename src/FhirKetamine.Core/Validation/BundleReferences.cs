using FhirKetamine.Core.Rest;

using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Validation;

/// <summary>
/// References between the entries of a document or message Bundle. A document (documents.html) and a message
/// (messaging.html) travel as one unit, so what the Composition or MessageHeader points at must be in the
/// Bundle, and a document carries nothing that is not linked to its Composition. A reference is resolved as
/// bundle.html "Resolving references in Bundles" says: an absolute one by <c>fullUrl</c>; a relative
/// <c>[type]/[id]</c> one against the base of its own entry's RESTful <c>fullUrl</c>. Errors, as the HL7
/// validator reports them:
/// <list type="bullet">
/// <item>a reference of the Composition (subject, author, encounter, custodian, attester.party, event.detail,
/// section author/focus/entry) or of MessageHeader.focus that is not in the Bundle;</item>
/// <item>any reference in any entry that matches several entries, or that names the <c>[type]/[id]</c> of an
/// entry it does not resolve to under those rules (a relative reference from an entry whose fullUrl is a
/// <c>urn:uuid:</c>: ambiguous for the reader);</item>
/// <item>a document entry that no chain of references (either direction) joins to the Composition, and a
/// relative stylesheet link naming no entry.</item>
/// </list>
/// Transactions, batches, collections and search results are not checked here: their relative references
/// may name resources on the server. Cost: one pass over the elements of the entries, O(entries + references).
/// </summary>
internal sealed class BundleReferences
{
    private static readonly HashSet<string> CanonicalTypes = new(StringComparer.Ordinal)
    {
        "ActivityDefinition", "CapabilityStatement", "ChargeItemDefinition", "CodeSystem", "CompartmentDefinition", "ConceptMap",
        "EffectEvidenceSynthesis", "EventDefinition", "Evidence", "EvidenceVariable", "ExampleScenario", "GraphDefinition",
        "ImplementationGuide", "Library", "Measure", "MessageDefinition", "NamingSystem", "OperationDefinition", "PlanDefinition",
        "Questionnaire", "ResearchDefinition", "ResearchElementDefinition", "RiskEvidenceSynthesis", "SearchParameter",
        "StructureDefinition", "StructureMap", "TerminologyCapabilities", "TestScript", "ValueSet",
    };

    private readonly Bundle _bundle;
    private readonly Dictionary<string, List<int>> _byFullUrl = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<int>> _byTypeAndId = new(StringComparer.Ordinal);

    // Each reference element is reported at most once (the Composition's own check comes first).
    private readonly HashSet<Base> _reported = new(ReferenceEqualityComparer.Instance);

    private BundleReferences(Bundle bundle)
    {
        _bundle = bundle;
        for (var i = 0; i < bundle.Entry.Count; i++)
        {
            var entry = bundle.Entry[i];
            var version = entry.Resource?.Meta?.VersionId;
            if (entry.FullUrl is { Length: > 0 } fullUrl)
            {
                Add(_byFullUrl, fullUrl, i);
                if (version is { Length: > 0 })
                {
                    Add(_byFullUrl, $"{fullUrl}/_history/{version}", i);
                }
            }

            if (entry.Resource is { Id: { Length: > 0 } id } resource)
            {
                Add(_byTypeAndId, $"{resource.TypeName}/{id}", i);
            }
        }
    }

    /// <summary>The issues of a document or message Bundle (none for any other type).</summary>
    public static IEnumerable<OperationOutcome.IssueComponent> Check(Bundle bundle)
    {
        var document = bundle.Type == Bundle.BundleType.Document;
        if (!document && bundle.Type != Bundle.BundleType.Message)
        {
            return [];
        }

        var check = new BundleReferences(bundle);
        var issues = new List<OperationOutcome.IssueComponent>();
        if (document)
        {
            check.CheckComposition(issues);
        }
        else if (bundle.Entry.FirstOrDefault()?.Resource is MessageHeader header)
        {
            var where = "Bundle.entry[0].resource";
            for (var i = 0; i < header.Focus.Count; i++)
            {
                check.Required(issues, header.Focus[i], $"{where}.focus[{i}]", "MessageHeader.focus", 0);
            }
        }

        check.CheckLinks(issues, document);
        return issues;
    }

    private void CheckComposition(List<OperationOutcome.IssueComponent> issues)
    {
        if (_bundle.Entry.FirstOrDefault()?.Resource is not Composition composition)
        {
            return; // bdl-11 says so
        }

        var where = "Bundle.entry[0].resource";
        Required(issues, composition.Subject, $"{where}.subject", "Composition.subject", 0);
        Each(composition.Author, $"{where}.author", "Composition.author");
        Required(issues, composition.Encounter, $"{where}.encounter", "Composition.encounter", 0);
        Required(issues, composition.Custodian, $"{where}.custodian", "Composition.custodian", 0);
        for (var i = 0; i < composition.Attester.Count; i++)
        {
            Required(issues, composition.Attester[i].Party, $"{where}.attester[{i}].party", "Composition.attester.party", 0);
        }

        for (var i = 0; i < composition.Event.Count; i++)
        {
            Each(composition.Event[i].Detail, $"{where}.event[{i}].detail", "Composition.event.detail");
        }

        Sections(composition.Section, $"{where}.section");

        void Each(List<ResourceReference> references, string path, string name)
        {
            for (var i = 0; i < references.Count; i++)
            {
                Required(issues, references[i], $"{path}[{i}]", name, 0);
            }
        }

        void Sections(List<Composition.SectionComponent> sections, string path)
        {
            for (var i = 0; i < sections.Count; i++)
            {
                var section = sections[i];
                var at = $"{path}[{i}]";
                Each(section.Author, $"{at}.author", "Composition.section.author");
                Required(issues, section.Focus, $"{at}.focus", "Composition.section.focus", 0);
                Each(section.Entry, $"{at}.entry", "Composition.section.entry");
                Sections(section.Section, $"{at}.section");
            }
        }
    }

    /// <summary>A reference that must resolve to an entry of this Bundle.</summary>
    private void Required(List<OperationOutcome.IssueComponent> issues, ResourceReference? reference, string path, string name, int source)
    {
        if (reference?.Reference is not { Length: > 0 } value || value.StartsWith('#'))
        {
            return; // identifier or display only, or a contained resource
        }

        var found = Resolve(value, source);
        if (Describe(found, value, name) is { } problem)
        {
            _reported.Add(reference);
            issues.Add(Outcomes.ValidationError(found.Kind == Kind.NotFound ? OperationOutcome.IssueType.NotFound : OperationOutcome.IssueType.Invalid, problem, path));
        }
    }

    /// <summary>Every reference of every entry: the ambiguous ones are errors; the resolved ones link entries for reachability.</summary>
    private void CheckLinks(List<OperationOutcome.IssueComponent> issues, bool document)
    {
        var nodes = new List<int>();
        var links = new Dictionary<int, List<int>>();
        for (var i = 0; i < _bundle.Entry.Count; i++)
        {
            if (_bundle.Entry[i].Resource is not { } resource)
            {
                continue;
            }

            nodes.Add(i);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (element, value, path) in References(resource, $"Bundle.entry[{i}].resource"))
            {
                if (!seen.Add(value))
                {
                    continue; // the HL7 validator resolves each distinct reference of an entry once
                }

                var found = Resolve(value, i);
                if (found.Kind == Kind.Found)
                {
                    if (found.Entry != i)
                    {
                        Link(links, i, found.Entry);
                        Link(links, found.Entry, i);
                    }
                }
                else if (found.Kind is Kind.Ambiguous or Kind.Apparent && !_reported.Contains(element) && Describe(found, value, path) is { } problem)
                {
                    _reported.Add(element);
                    issues.Add(Outcomes.ValidationError(OperationOutcome.IssueType.Invalid, problem, path));
                }
            }
        }

        if (nodes.Count == 0)
        {
            return;
        }

        // Reachable = joined to the first entry by references in either direction (or a document's stylesheet).
        var reached = new HashSet<int> { nodes[0] };
        var queue = new Queue<int>(reached);
        for (var l = 0; document && l < _bundle.Link.Count; l++)
        {
            var link = _bundle.Link[l];
            if (link.Relation == "stylesheet" && link.Url is { Length: > 0 } url && !HasScheme(url))
            {
                if (_byTypeAndId.TryGetValue(url, out var targets))
                {
                    foreach (var target in targets.Where(reached.Add))
                    {
                        queue.Enqueue(target);
                    }
                }
                else
                {
                    issues.Add(Outcomes.ValidationError(OperationOutcome.IssueType.NotFound, $"The stylesheet '{url}' is not an entry of this document ([type]/[id] of an entry's resource).", $"Bundle.link[{l}].url"));
                }
            }
        }

        while (queue.TryDequeue(out var node))
        {
            foreach (var next in links.GetValueOrDefault(node) ?? [])
            {
                if (reached.Add(next))
                {
                    queue.Enqueue(next);
                }
            }
        }

        foreach (var orphan in nodes.Where(n => !reached.Contains(n)))
        {
            var name = _bundle.Entry[orphan].FullUrl is { Length: > 0 } fullUrl ? $"'{fullUrl}'" : $"{_bundle.Entry[orphan].Resource!.TypeName} entry";
            var issue = Outcomes.ValidationError(OperationOutcome.IssueType.Invalid,
                $"Entry {name} isn't reachable by traversing references (forward or backward) from the {(document ? "Composition" : "MessageHeader")}.", $"Bundle.entry[{orphan}]");
            if (!document)
            {
                issue.Severity = OperationOutcome.IssueSeverity.Warning; // messaging.html allows it
            }

            issues.Add(issue);
        }
    }

    private Resolution Resolve(string reference, int source)
    {
        var hash = reference.IndexOf('#', StringComparison.Ordinal);
        var target = hash < 0 ? reference : reference[..hash];
        if (HasScheme(target))
        {
            return _byFullUrl.TryGetValue(target, out var matches)
                ? matches.Count == 1 ? new(Kind.Found, matches[0]) : new(Kind.Ambiguous, Count: matches.Count)
                : new(IsCanonicalUrl(target) ? Kind.Elsewhere : Kind.NotFound);
        }

        // Relative: against the base of the source entry's RESTful fullUrl ([base]/[type]/[id]).
        var entry = _bundle.Entry[source];
        if (entry.FullUrl is { } fullUrl && entry.Resource is { Id: { Length: > 0 } id } resource && IsRestful(fullUrl)
            && (fullUrl == $"{resource.TypeName}/{id}" || fullUrl.EndsWith($"/{resource.TypeName}/{id}", StringComparison.Ordinal))
            && _byFullUrl.TryGetValue(fullUrl[..^$"{resource.TypeName}/{id}".Length] + target, out var found))
        {
            return found.Count == 1 ? new(Kind.Found, found[0]) : new(Kind.Ambiguous, Count: found.Count);
        }

        var parts = target.Split('/');
        if (parts.Length < 2 || !ModelInfo.IsKnownResource(parts[0]))
        {
            return new(Kind.Elsewhere);
        }

        return _byTypeAndId.TryGetValue($"{parts[0]}/{parts[1]}", out var apparent)
            ? new(Kind.Apparent, Count: apparent.Count, Candidates: string.Join(",", apparent.Select(a => _bundle.Entry[a].FullUrl ?? "<missing>").Distinct().Order(StringComparer.Ordinal)))
            : new(Kind.NotFound);
    }

    private static string? Describe(Resolution found, string reference, string name) => found.Kind switch
    {
        Kind.NotFound => $"Can't find '{reference}' in the bundle ({name}).",
        Kind.Ambiguous => $"Found {found.Count} matches for '{reference}' in the bundle ({name}).",
        Kind.Apparent => $"Can't find '{reference}' in the bundle ({name}): {(found.Count == 1 ? "the entry with that type and id does" : $"the {found.Count} entries with that type and id do")} "
            + $"not match under the rules for relative references ({found.Candidates}); a relative reference resolves against the base of the referring entry's RESTful fullUrl (bundle.html#references).",
        _ => null,
    };

    /// <summary>The references of a resource (not those inside a nested Bundle): Reference.reference and uri/url values, as the HL7 validator links entries.</summary>
    private static IEnumerable<(Base Element, string Value, string Path)> References(Base node, string path)
    {
        foreach (var (name, value) in node.EnumerateElements())
        {
            switch (value)
            {
                case PrimitiveType primitive:
                    if (IsLink(node, name, primitive) is { } link)
                    {
                        yield return (primitive, link, $"{path}.{name}");
                    }

                    break;
                case Bundle:
                    break;
                case Base single:
                    foreach (var found in Inside(single, $"{path}.{name}"))
                    {
                        yield return found;
                    }

                    break;
                case System.Collections.IEnumerable list:
                    var index = 0;
                    foreach (var item in list.OfType<Base>())
                    {
                        var at = $"{path}.{name}[{index++}]";
                        if (item is PrimitiveType p)
                        {
                            if (IsLink(node, name, p) is { } text)
                            {
                                yield return (p, text, at);
                            }
                        }
                        else if (item is not Bundle)
                        {
                            foreach (var found in Inside(item, at))
                            {
                                yield return found;
                            }
                        }
                    }

                    break;
            }
        }

        static IEnumerable<(Base, string, string)> Inside(Base child, string at)
        {
            if (child is ResourceReference { Reference: { Length: > 0 } reference } && !reference.StartsWith('#'))
            {
                yield return (child, reference, at);
            }

            foreach (var found in References(child, at))
            {
                yield return found;
            }
        }
    }

    /// <summary>A uri or url value that can point at an entry (not a system, an extension's url or an endpoint address).</summary>
    private static string? IsLink(Base parent, string name, PrimitiveType value)
    {
        if (value is not (FhirUri or FhirUrl) || value is Canonical || value.JsonValue is not string { Length: > 0 } text || text.StartsWith('#'))
        {
            return null;
        }

        var excluded = name == "system"
            || (name == "url" && parent is Extension)
            || (name == "endpoint" && parent is MessageHeader.MessageSourceComponent or MessageHeader.MessageDestinationComponent)
            || (name == "address" && parent is Endpoint);
        return excluded ? null : text;
    }

    /// <summary>An absolute URL with a scheme (RFC 3986: a letter, then letters, digits, '+', '-' or '.', then ':').</summary>
    internal static bool HasScheme(string value)
    {
        var colon = value.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && char.IsAsciiLetter(value[0]) && value.AsSpan(0, colon).IndexOfAnyExcept(SchemeChars) < 0;
    }

    private static readonly System.Buffers.SearchValues<char> SchemeChars =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");

    /// <summary><c>[http(s)://base/]Type/id[/_history/version]</c> with a known resource type.</summary>
    private static bool IsRestful(string url)
    {
        var path = url.StartsWith("http://", StringComparison.Ordinal) || url.StartsWith("https://", StringComparison.Ordinal)
            ? url[(url.IndexOf("//", StringComparison.Ordinal) + 2)..]
            : HasScheme(url) ? null : url;
        if (path is null)
        {
            return false;
        }

        var segments = path.Split('/');
        var end = segments.Length >= 4 && segments[^2] == "_history" ? segments.Length - 2 : segments.Length;
        return end >= 2 && ModelInfo.IsKnownResource(segments[end - 2]) && segments[end - 1].Length is > 0 and <= 64;
    }

    /// <summary>An absolute RESTful URL of a canonical resource (a profile, ValueSet…): found elsewhere, not expected in the Bundle.</summary>
    private static bool IsCanonicalUrl(string url)
    {
        if (!IsRestful(url))
        {
            return false;
        }

        var segments = url.Split('/');
        var end = segments.Length >= 4 && segments[^2] == "_history" ? segments.Length - 2 : segments.Length;
        return CanonicalTypes.Contains(segments[end - 2]);
    }

    private static void Add(Dictionary<string, List<int>> index, string key, int entry)
    {
        if (!index.TryGetValue(key, out var list))
        {
            index[key] = list = [];
        }

        list.Add(entry);
    }

    private static void Link(Dictionary<int, List<int>> links, int from, int to)
    {
        if (!links.TryGetValue(from, out var list))
        {
            links[from] = list = [];
        }

        list.Add(to);
    }

    private enum Kind
    {
        Found,
        NotFound,
        Ambiguous,
        Apparent,

        /// <summary>Not an entry, and not expected to be one (a canonical resource's URL, or not a [type]/[id] reference).</summary>
        Elsewhere,
    }

    private readonly record struct Resolution(Kind Kind, int Entry = -1, int Count = 0, string? Candidates = null);
}
