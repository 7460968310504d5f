using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Safety;

/// <summary>
/// One item of discharge evidence in a session: <see cref="Item"/> is a code of <c>CS/ketamine-observation</c>
/// (<c>aldrete-total</c>, <c>companion-present</c>, <c>discharge-ready</c>), from an Observation or a
/// discharge-checklist QuestionnaireResponse (<see cref="Source"/>, <c>Type/id</c>), taken at <see cref="When"/>.
/// </summary>
public sealed record DischargeReading(string Item, DataType Value, DateTimeOffset When, string Source);
