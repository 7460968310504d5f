using System.Globalization;

namespace FhirKetamine.Bench.Load;

/// <summary>
/// Whole-machine CPU from <c>/proc/stat</c>, so a run can show how much of the two cores neither the
/// server nor the client used (another build or test on the same machine skews the figures).
/// </summary>
internal readonly record struct MachineCpu(long Busy, long Total)
{
    public static MachineCpu Read()
    {
        try
        {
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            var idle = fields[3] + (fields.Length > 4 ? fields[4] : 0);
            var total = fields.Take(8).Sum();
            return new MachineCpu(total - idle, total);
        }
        catch (IOException)
        {
            return new MachineCpu(-1, -1);
        }
    }

    /// <summary>Busy share of all cores between two readings, in percent.</summary>
    public static double PercentBusy(MachineCpu before, MachineCpu after) =>
        before.Total < 0 || after.Total <= before.Total ? double.NaN : 100.0 * (after.Busy - before.Busy) / (after.Total - before.Total);
}