using System.Xml;
using System.Xml.Linq;

using FhirKetamine.Core.Rest;

using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Validation;

/// <summary>
/// Rules of the R4 specification on any resource that the Firely validator does not check and the HL7
/// reference validator does: an extension's <c>url</c> is absolute (extensibility.html: only a complex
/// extension's parts have relative urls), and narrative hyperlinks use a scheme a reader can follow
/// (narrative.html: the XHTML is for humans; a <c>urn:</c> link goes nowhere in a browser).
/// </summary>
internal static class InstanceRules
{
    private static readonly HashSet<string> LinkSchemes = new(StringComparer.OrdinalIgnoreCase) { "http", "https", "ftp", "ftps", "mailto", "tel", "data" };

    public static IEnumerable<OperationOutcome.IssueComponent> Check(Resource resource) => Walk(resource, resource.TypeName, null);

    private static IEnumerable<OperationOutcome.IssueComponent> Walk(Base node, string path, Base? parent)
    {
        if (node is Extension { Url: { Length: > 0 } url } && parent is not Extension && !Uri.TryCreate(url, UriKind.Absolute, out _))
        {
            yield return Outcomes.ValidationError(OperationOutcome.IssueType.Invalid, $"Extension.url must be an absolute URL, not '{url}'.", path);
        }

        if (node is Narrative { Div: { Length: > 0 } div })
        {
            foreach (var issue in CheckLinks(div, $"{path}.div"))
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
                    foreach (var issue in Walk(single, $"{path}.{name}", node))
                    {
                        yield return issue;
                    }

                    break;
                case System.Collections.IEnumerable list:
                    var index = 0;
                    foreach (var item in list.OfType<Base>())
                    {
                        foreach (var issue in Walk(item, $"{path}.{name}[{index++}]", node))
                        {
                            yield return issue;
                        }
                    }

                    break;
            }
        }
    }

    private static IEnumerable<OperationOutcome.IssueComponent> CheckLinks(string div, string path)
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

        foreach (var link in root.DescendantsAndSelf().Where(e => e.Name.LocalName == "a"))
        {
            if (link.Attribute("href")?.Value is not { Length: > 0 } href)
            {
                continue;
            }

            var colon = href.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || href[..colon].Any(c => !char.IsAsciiLetterOrDigit(c) && c is not ('+' or '.' or '-')) || !char.IsAsciiLetter(href[0]))
            {
                continue; // relative or fragment
            }

            var scheme = href[..colon];
            if (!LinkSchemes.Contains(scheme))
            {
                yield return Outcomes.ValidationError(OperationOutcome.IssueType.Invalid, $"Hyperlink scheme '{scheme}' in '{href}' for '{link.Value.Trim()}' is not a scheme a reader can follow.", path);
            }
        }
    }
}