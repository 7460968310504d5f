using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Validation;

/// <summary>Where the validator finds the conformance resources created through the API (after a restart too), and the targets of references.</summary>
public interface IConformanceStore
{
    Task<IReadOnlyList<Resource>> LoadAsync(CancellationToken ct);

    /// <summary>The current version of <c>type/id</c>, or null when it does not exist or was deleted.</summary>
    Task<Resource?> ReadAsync(string type, string id, CancellationToken ct) => Task.FromResult<Resource?>(null);
}
