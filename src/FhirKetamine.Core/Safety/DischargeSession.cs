using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Safety;

/// <summary>A session Encounter and the discharge evidence recorded in it, as <see cref="DischargeRule"/> judges them.</summary>
public sealed record DischargeSession(string EncounterId, Encounter Encounter, IReadOnlyList<DischargeReading> Readings);
