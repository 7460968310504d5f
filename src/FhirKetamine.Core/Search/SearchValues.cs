using System.Globalization;
using System.Text;
using P = Hl7.Fhir.ElementModel.Types;

namespace FhirKetamine.Core.Search;

/// <summary>
/// Normalisation shared by the indexer (write time) and the query (read time), so that both sides of
/// every comparison are in the same form and queries stay plain comparisons on every database.
/// </summary>
public static class SearchValues
{
    /// <summary>Lower-case, accents removed, whitespace collapsed: FHIR's default string matching.</summary>
    public static string NormalizeString(string value)
    {
        var decomposed = value.Trim().Normalize(NormalizationForm.FormD);
        var builder = new StringBuilder(decomposed.Length);
        var lastWasSpace = false;
        foreach (var c in decomposed)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark)
            {
                continue;
            }

            if (char.IsWhiteSpace(c))
            {
                if (!lastWasSpace)
                {
                    builder.Append(' ');
                }

                lastWasSpace = true;
                continue;
            }

            lastWasSpace = false;
            builder.Append(char.ToLowerInvariant(c));
        }

        return Truncate(builder.ToString().Normalize(NormalizationForm.FormC), 256);
    }

    public static string Truncate(string value, int max) => value.Length <= max ? value : value[..max];

    /// <summary>
    /// The UTC range a FHIR date/dateTime/instant covers: <c>2026-03</c> is all of March 2026.
    /// Values without a time zone are taken as UTC.
    /// </summary>
    public static bool TryDateRange(string value, out DateTime start, out DateTime end)
    {
        start = end = default;
        if (!P.DateTime.TryParse(value, out var parsed))
        {
            return false;
        }

        var range = parsed.GetRange(TimeSpan.Zero);
        start = range.Start?.UtcDateTime ?? DateTime.SpecifyKind(DateTime.MinValue, DateTimeKind.Utc);
        end = range.End?.UtcDateTime ?? DateTime.SpecifyKind(DateTime.MaxValue, DateTimeKind.Utc);
        return true;
    }

    /// <summary>The interval a decimal's written precision implies: 5.4 means [5.35, 5.45).</summary>
    public static (double Low, double High) PrecisionRange(decimal value)
    {
        var scale = (value.Scale);
        var half = 0.5m * (decimal)Math.Pow(10, -scale);
        return ((double)(value - half), (double)(value + half));
    }
}
