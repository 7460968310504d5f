namespace FhirKetamine.Bench.Load;

/// <summary>The four vital signs a bedside gateway posts during an infusion.</summary>
internal enum VitalKind
{
    HeartRate,
    BloodPressure,
    OxygenSaturation,
    RespiratoryRate,
}