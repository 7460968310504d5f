using System.Text.Json.Nodes;

namespace FhirKetamine.Core.Rest.Patching;

/// <summary>An RFC 6901 JSON Pointer: "" is the whole document, "/a/0/b~1c" walks members and array indexes.</summary>
internal sealed class JsonPointer
{
    private JsonPointer(string text, IReadOnlyList<string> tokens)
    {
        Text = text;
        Tokens = tokens;
    }

    public string Text { get; }

    public IReadOnlyList<string> Tokens { get; }

    public bool IsRoot => Tokens.Count == 0;

    public JsonPointer Parent => new(Text[..Text.LastIndexOf('/')], Tokens.Take(Tokens.Count - 1).ToArray());

    public string LastToken => Tokens[^1];

    public static bool TryParse(string text, out JsonPointer pointer)
    {
        pointer = null!;
        if (text.Length > 0 && text[0] != '/')
        {
            return false;
        }

        var tokens = new List<string>();
        foreach (var raw in text.Split('/').Skip(1))
        {
            // "~" may only start the escapes "~0" (~) and "~1" (/).
            for (var i = raw.IndexOf('~'); i >= 0; i = raw.IndexOf('~', i + 1))
            {
                if (i + 1 >= raw.Length || raw[i + 1] is not ('0' or '1'))
                {
                    return false;
                }
            }

            tokens.Add(raw.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal));
        }

        pointer = new JsonPointer(text, tokens);
        return true;
    }

    /// <summary>True when this pointer is a proper prefix of <paramref name="other"/> (RFC 6902 forbids moving a value into its own child).</summary>
    public bool IsProperPrefixOf(JsonPointer other) =>
        other.Tokens.Count > Tokens.Count && Tokens.Select((t, i) => t == other.Tokens[i]).All(same => same);

    /// <summary>Resolves the pointer; the found node may be null when the document holds a JSON null there.</summary>
    public bool TryResolve(JsonNode? root, out JsonNode? node)
    {
        node = root;
        foreach (var token in Tokens)
        {
            switch (node)
            {
                case JsonObject obj when obj.TryGetPropertyValue(token, out var child):
                    node = child;
                    break;
                case JsonArray array when TryParseIndex(token, array.Count - 1, out var index):
                    node = array[index];
                    break;
                default:
                    node = null;
                    return false;
            }
        }

        return true;
    }

    /// <summary>An array index token: digits without leading zeros, at most <paramref name="max"/>.</summary>
    public static bool TryParseIndex(string token, int max, out int index)
    {
        index = -1;
        if (token.Length == 0 || token.Length > 9 || !token.All(char.IsAsciiDigit) || (token.Length > 1 && token[0] == '0'))
        {
            return false;
        }

        index = int.Parse(token, System.Globalization.CultureInfo.InvariantCulture);
        return index <= max;
    }

    public override string ToString() => Text;
}