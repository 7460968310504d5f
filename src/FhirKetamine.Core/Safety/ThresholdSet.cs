using System.Globalization;

using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Safety;

/// <summary>
/// The vital-sign thresholds of the stored ObservationDefinitions: every <c>qualifiedInterval</c> of category
/// critical or absolute that names a rule (<c>condition</c>) and has a range. Looked up by (system, code).
/// </summary>
public sealed class ThresholdSet
{
    public const string PhaseExtension = "http://fhir-ketamine.org/fhir/StructureDefinition/infusion-phase";

    private readonly Dictionary<(string System, string Code), List<VitalThreshold>> _byCode;

    private ThresholdSet(List<VitalThreshold> all)
    {
        All = all;
        _byCode = all.GroupBy(t => (t.System, t.Code)).ToDictionary(g => g.Key, g => g.ToList());
    }

    public static ThresholdSet Empty { get; } = new([]);

    public IReadOnlyList<VitalThreshold> All { get; }

    public IReadOnlyList<VitalThreshold> For(string system, string code) =>
        _byCode.TryGetValue((system, code), out var list) ? list : [];

    /// <summary>The rules with any threshold on (system, code), in any phase.</summary>
    public bool Concerns(string system, string code) => _byCode.ContainsKey((system, code));

    public static ThresholdSet From(IEnumerable<ObservationDefinition> definitions)
    {
        var all = new List<VitalThreshold>();
        foreach (var definition in definitions)
        {
            var codings = definition.Code?.Coding
                .Where(c => c.System is not null && c.Code is not null)
                .Select(c => (System: c.System!, Code: c.Code!, Name: c.Display ?? definition.Code.Text ?? c.Code!))
                .ToList() ?? [];
            foreach (var interval in definition.QualifiedInterval)
            {
                if (interval.Category is not (ObservationDefinition.ObservationRangeCategory.Critical or ObservationDefinition.ObservationRangeCategory.Absolute)
                    || string.IsNullOrWhiteSpace(interval.Condition)
                    || interval.Range is not { } range
                    || (range.Low?.Value is null && range.High?.Value is null))
                {
                    continue;
                }

                var phase = interval.GetExtensionValue<Code>(PhaseExtension)?.Value;
                var unit = range.Low?.Code ?? range.High?.Code ?? range.Low?.Unit ?? range.High?.Unit;
                foreach (var coding in codings)
                {
                    all.Add(new VitalThreshold(interval.Condition.Trim(), coding.System, coding.Code, coding.Name, range.Low?.Value, range.High?.Value, unit, phase,
                        $"ObservationDefinition/{definition.Id}"));
                }
            }
        }

        return new ThresholdSet(all);
    }

    internal static string Format(decimal value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
