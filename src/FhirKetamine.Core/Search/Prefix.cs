namespace FhirKetamine.Core.Search;

/// <summary>The comparison prefixes of number, date and quantity parameters (R4 search.html#prefix).</summary>
public enum Prefix
{
    Eq,
    Ne,
    Gt,
    Lt,
    Ge,
    Le,
    Sa,
    Eb,
    Ap,
}

/// <summary>Splits a prefixed value such as <c>ge2026-01-01</c>.</summary>
public static class PrefixParser
{
    public static (Prefix Prefix, string Value) Split(string value)
    {
        if (value.Length > 2 && char.IsLetter(value[0]) && char.IsLetter(value[1]))
        {
            Prefix? prefix = value[..2] switch
            {
                "eq" => Prefix.Eq, "ne" => Prefix.Ne, "gt" => Prefix.Gt, "lt" => Prefix.Lt, "ge" => Prefix.Ge,
                "le" => Prefix.Le, "sa" => Prefix.Sa, "eb" => Prefix.Eb, "ap" => Prefix.Ap, _ => null,
            };
            if (prefix is { } p)
            {
                return (p, value[2..]);
            }
        }

        return (Prefix.Eq, value);
    }
}
