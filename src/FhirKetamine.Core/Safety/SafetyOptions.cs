namespace FhirKetamine.Core.Safety;

/// <summary>
/// The <c>Safety</c> configuration section: the clinic's dose limits (DOMAIN.md §5; the vital-sign thresholds
/// are not here but in the IG's ObservationDefinitions, editable through the API) and how the rules run.
/// </summary>
public sealed class SafetyOptions
{
    /// <summary>False turns every rule and the session linking off (e.g. to load historical records as they are).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>dose-high: mg/kg above which a dose is a high-severity issue (Andrade 2017: 0.1–0.75 usual).</summary>
    public decimal MaxDosePerKg { get; set; } = 1.0m;

    /// <summary>dose-high: mg/kg above which a dose is a moderate-severity warning.</summary>
    public decimal WarnDosePerKg { get; set; } = 0.75m;

    /// <summary>dose-high: the largest relative difference between the dose and dose-per-kg × weight (0.05 = ±5 %).</summary>
    public decimal DoseTolerance { get; set; } = 0.05m;

    /// <summary>rate-high: mg/kg/h above which an infusion runs too fast (0.5 mg/kg over 40 min = 0.75).</summary>
    public decimal MaxRatePerKgPerHour { get; set; } = 0.75m;

    /// <summary>weight-missing: how old (days) the latest body weight may be.</summary>
    public int WeightMaxAgeDays { get; set; } = 30;

    /// <summary>
    /// contra-history: the canonical URL of the ValueSet whose codes contraindicate ketamine when a patient's Condition
    /// is active (the IG's, editable through the API as data; a clinic may point this at its own ValueSet).
    /// </summary>
    public string ContraindicationValueSet { get; set; } = "http://fhir-ketamine.org/fhir/ValueSet/ketamine-contraindication";

    /// <summary>
    /// discharge: the lowest modified Aldrete score that allows discharge, used only when no stored
    /// ObservationDefinition gives a critical interval of <c>aldrete-total</c> for the rule (the IG's
    /// <c>aldrete-discharge-threshold</c>: ≤ 8 is critical, so 9 is the minimum).
    /// </summary>
    public int DischargeMinAldrete { get; set; } = 9;

    /// <summary>
    /// How often (seconds) the cached ObservationDefinition thresholds are re-read, so a threshold changed
    /// through another instance applies here too. A change through this instance applies at once.
    /// </summary>
    public double ThresholdRefreshSeconds { get; set; } = 5;
}
