using System.Net;

namespace FhirKetamine.Core.Rest;

/// <summary>Parses a query string (an If-None-Exist header, a Bundle entry URL) into ordered name/value pairs.</summary>
public static class QueryString
{
    public static List<KeyValuePair<string, string>> Parse(string query)
    {
        var pairs = new List<KeyValuePair<string, string>>();
        foreach (var part in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var name = eq < 0 ? part : part[..eq];
            var value = eq < 0 ? string.Empty : part[(eq + 1)..];
            pairs.Add(new(WebUtility.UrlDecode(name), WebUtility.UrlDecode(value)));
        }

        return pairs;
    }

    public static string Format(IEnumerable<KeyValuePair<string, string>> pairs) =>
        string.Join('&', pairs.Select(p => $"{Uri.EscapeDataString(p.Key).Replace("%3A", ":", StringComparison.Ordinal)}={Uri.EscapeDataString(p.Value)}"));
}
