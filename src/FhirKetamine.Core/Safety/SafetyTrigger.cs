namespace FhirKetamine.Core.Safety;

/// <summary>What a finding is about: the written resource (<c>Observation/{id}</c>), its patient, session and time.</summary>
public sealed record SafetyTrigger(string Reference, string PatientId, string? Encounter, DateTimeOffset When);
