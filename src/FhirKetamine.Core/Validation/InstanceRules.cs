using System.Xml;
using System.Xml.Linq;

using FhirKetamine.Core.Rest;

using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Validation;

/// <summary>
/// Rules of the R4 specification on any resource that the Firely validator does not check and the HL7
/// reference validator does: an extension's <c>url</c> is absolute (extensibility.html: only a complex
/// extension's parts have relative urls); narrative hyperlinks use a scheme a reader can follow
/// (narrative.html: the XHTML is for humans; a <c>urn:</c> link goes nowhere in a browser), and a link to a
/// fragment (<c>#id</c>) finds an element id, a resource id, or an XHTML <c>id</c> or <c>&lt;a name&gt;</c>
/// in the resource (for a Bundle, anywhere in the Bundle) — one issue per link text and place in the div, as the
/// HL7 validator counts them; and a <c>Coding.system</c> is an absolute URI naming a code system, not a value
/// set (datatypes.html#Coding, terminologies.html); an Attachment's <c>size</c> and <c>hash</c> (SHA-1) are those of
/// its <c>data</c> (datatypes.html#Attachment); an element id is unique within its resource (Element.id); <c>Resource.id</c>
/// has no extensions (its type is System.String, not an element). One pass over the resource, plus one over the ids when a
/// narrative links to a fragment.
/// </summary>
internal static class InstanceRules
{
    private static readonly HashSet<string> LinkSchemes = new(StringComparer.OrdinalIgnoreCase) { "http", "https", "ftp", "ftps", "mailto", "tel", "data" };

    /// <param name="resource">The resource to check.</param>
    /// <param name="isValueSet">Whether a URL is a known ValueSet's canonical (<see cref="ValidationContext.IsValueSetUrl"/>); null to skip that rule.</param>
    public static IEnumerable<OperationOutcome.IssueComponent> Check(Resource resource, Func<string, bool>? isValueSet = null)
    {
        var scan = new Scan(isValueSet);
        var issues = Walk(resource, resource.TypeName, null, scan).ToList();
        if (scan.FragmentLinks.Count > 0)
        {
            foreach (var div in scan.Divs)
            {
                foreach (var element in div.DescendantsAndSelf())
                {
                    if (element.Attribute("id")?.Value is { Length: > 0 } id)
                    {
                        scan.Ids.Add(id);
                    }

                    if (element.Name.LocalName == "a" && element.Attribute("name")?.Value is { Length: > 0 } name)
                    {
                        scan.Ids.Add(name);
                    }
                }
            }

            var reported = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (fragment, message, path) in scan.FragmentLinks)
            {
                if (!scan.Ids.Contains(fragment) && reported.Add($"{path} {message}"))
                {
                    issues.Add(Outcomes.ValidationError(OperationOutcome.IssueType.Invalid, message, path));
                }
            }
        }

        return issues;
    }

    private static IEnumerable<OperationOutcome.IssueComponent> Walk(Base node, string path, Base? parent, Scan scan, HashSet<string>? elementIds = null)
    {
        if (node is Resource resource)
        {
            elementIds = new HashSet<string>(StringComparer.Ordinal); // each resource (contained, or in a Bundle) is its own scope
            if (resource.Id is { Length: > 0 } resourceId)
            {
                scan.Ids.Add(resourceId);
            }

            // Resource.id is a System.String in R4, not an element: it has no id and no extensions (JSON "_id", XML <id><extension>).
            if (resource.IdElement is { Extension.Count: > 0 } idElement)
            {
                foreach (var extension in idElement.Extension)
                {
                    yield return Outcomes.ValidationError(OperationOutcome.IssueType.Structure, $"Extensions are not allowed on Resource.id ('{extension.Url}').", $"{path}.id");
                }
            }
        }
        else if (node is Element { ElementId: { Length: > 0 } elementId })
        {
            scan.Ids.Add(elementId);
            // A differential and a snapshot describe the same elements under the same ids, by design.
            if (node is not ElementDefinition && elementIds?.Add(elementId) == false)
            {
                yield return Outcomes.ValidationError(OperationOutcome.IssueType.Invalid, $"Duplicate id value '{elementId}': an element id is unique within its resource.", path);
            }
        }

        if (node is Extension { Url: { Length: > 0 } url } && parent is not Extension && !BundleReferences.HasScheme(url))
        {
            yield return Outcomes.ValidationError(OperationOutcome.IssueType.Invalid, $"Extension.url must be an absolute URL, not '{url}'.", path);
        }

        if (node is Coding { System: { Length: > 0 } system } coding)
        {
            if (!BundleReferences.HasScheme(system))
            {
                yield return Outcomes.ValidationError(OperationOutcome.IssueType.CodeInvalid, $"Coding.system must be an absolute URI, not the local reference '{system}'.", $"{path}.system");
            }
            else if (coding.Code is { Length: > 0 } && scan.IsValueSet?.Invoke(system) == true)
            {
                yield return Outcomes.ValidationError(OperationOutcome.IssueType.CodeInvalid, $"The Coding references a value set ('{system}'), not a code system.", $"{path}.system");
            }
        }

        if (node is Attachment { DataElement: { } dataElement } attachment && Decoded(dataElement) is { } data)
        {
            // R4's size is an unsignedInt (Attachment.Size is the SDK's R5 property, an integer64, and throws on an R4 instance).
            long? size = attachment.SizeElement switch { UnsignedInt { Value: { } n } => n, Integer64 { Value: { } n } => n, _ => null };
            if (size is { } stated && stated != data.LongLength)
            {
                yield return Outcomes.ValidationError(OperationOutcome.IssueType.Invalid, $"Attachment.size is {stated}, but the data has {data.LongLength} bytes.", $"{path}.size");
            }

            if (attachment.Hash is { Length: > 0 } hash && !hash.AsSpan().SequenceEqual(System.Security.Cryptography.SHA1.HashData(data)))
            {
                yield return Outcomes.ValidationError(OperationOutcome.IssueType.Invalid, "Attachment.hash is not the SHA-1 hash of the data.", $"{path}.hash");
            }
        }

        if (node is Narrative { Div: { Length: > 0 } div })
        {
            foreach (var issue in CheckLinks(div, $"{path}.div", scan))
            {
                yield return issue;
            }
        }

        foreach (var (name, value) in node.EnumerateElements())
        {
            switch (value)
            {
                case PrimitiveType:
                    break;
                case Base single:
                    foreach (var issue in Walk(single, $"{path}.{name}", node, scan, elementIds))
                    {
                        yield return issue;
                    }

                    break;
                case System.Collections.IEnumerable list:
                    if (list is System.Collections.IList { IsReadOnly: false, IsFixedSize: false } items && items.Contains(null))
                    {
                        // JSON's parallel arrays ("given": ["a"], "_given": [{...}, null]) can leave an item that is nothing at all;
                        // reported here, and dropped so that the validator (which throws on a null item) sees the rest.
                        for (var i = items.Count - 1; i >= 0; i--)
                        {
                            if (items[i] is null)
                            {
                                items.RemoveAt(i);
                                yield return Outcomes.ValidationError(OperationOutcome.IssueType.Structure,
                                    $"The array '{name}' is invalid at index {i}: an item must have a value, an id or extensions.", $"{path}.{name}");
                            }
                        }
                    }

                    var index = 0;
                    foreach (var item in list.OfType<Base>())
                    {
                        foreach (var issue in Walk(item, $"{path}.{name}[{index++}]", node, scan, elementIds))
                        {
                            yield return issue;
                        }
                    }

                    break;
            }
        }
    }

    /// <summary>An Attachment's data as bytes; null when it is not base64 (the validator reports that).</summary>
    private static byte[]? Decoded(Base64Binary data)
    {
        try
        {
            return data.Value;
        }
        catch (Hl7.Fhir.Validation.CodedValidationException)
        {
            return null;
        }
    }

    private static IEnumerable<OperationOutcome.IssueComponent> CheckLinks(string div, string path, Scan scan)
    {
        XElement root;
        try
        {
            root = XElement.Parse(div);
        }
        catch (XmlException)
        {
            yield break; // the validator reports malformed XHTML
        }

        scan.Divs.Add(root);
        var reported = new HashSet<string>(StringComparer.Ordinal);
        foreach (var link in root.DescendantsAndSelf().Where(e => e.Name.LocalName == "a"))
        {
            if (link.Attribute("href")?.Value is not { Length: > 0 } href)
            {
                continue;
            }

            var at = string.Join('/', link.AncestorsAndSelf().Reverse().Select(e => e.Name.LocalName));
            var text = link.Value.Trim();
            if (href.Length > 1 && href[0] == '#')
            {
                scan.FragmentLinks.Add((href[1..], $"Hyperlink '{href}' at '{at}' for '{text}' does not resolve: no element, resource or XHTML id (or <a name>) '{href[1..]}' here.", path));
                continue;
            }

            if (!BundleReferences.HasScheme(href))
            {
                continue; // relative
            }

            var scheme = href[..href.IndexOf(':', StringComparison.Ordinal)];
            var message = $"Hyperlink scheme '{scheme}' in '{href}' at '{at}' for '{text}' is not a scheme a reader can follow.";
            if (!LinkSchemes.Contains(scheme) && reported.Add(message))
            {
                yield return Outcomes.ValidationError(OperationOutcome.IssueType.Invalid, message, path);
            }
        }
    }

    /// <summary>What one check collects on its way: the ids a fragment link can point at, the parsed narratives and their fragment links.</summary>
    private sealed class Scan(Func<string, bool>? isValueSet)
    {
        public Func<string, bool>? IsValueSet { get; } = isValueSet;

        public HashSet<string> Ids { get; } = new(StringComparer.Ordinal);

        public List<XElement> Divs { get; } = [];

        public List<(string Fragment, string Message, string Path)> FragmentLinks { get; } = [];
    }
}
