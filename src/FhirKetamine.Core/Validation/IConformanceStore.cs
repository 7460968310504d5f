using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Validation;

/// <summary>Where the validator finds the conformance resources created through the API (after a restart too).</summary>
public interface IConformanceStore
{
    Task<IReadOnlyList<Resource>> LoadAsync(CancellationToken ct);
}