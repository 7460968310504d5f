using System.Globalization;

namespace FhirKetamine.Core.Search;

/// <summary>
/// A UCUM unit in canonical form: the base-unit code (<c>g</c>, <c>g.m-1.s-2</c>, <c>1</c> for dimensionless) and the
/// factor that turns a value in the original unit into one in the canonical unit (kg: 1000; mm[Hg]: 133322).
/// </summary>
public sealed record CanonicalUnit(string Code, decimal Factor)
{
    /// <summary>
    /// The value in the canonical unit, rounded to 12 significant digits. Factors such as /min (1/60) are inexact, so
    /// 60 /min would be 1.000000000000002 s-1 and <c>gt1|…|Hz</c> would match it; both the index and the search value
    /// go through here, so equal quantities in different units meet on the same number.
    /// </summary>
    public double Scale(decimal value)
    {
        double scaled;
        try
        {
            scaled = (double)(value * Factor);
        }
        catch (OverflowException)
        {
            // mol is 6.0221367E23 (a count): a large value in it leaves decimal's range, not double's.
            scaled = (double)value * (double)Factor;
        }

        return double.Parse(scaled.ToString("G12", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }
}
