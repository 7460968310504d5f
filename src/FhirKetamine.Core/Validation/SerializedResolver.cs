using Hl7.Fhir.Model;
using Hl7.Fhir.Specification.Source;

namespace FhirKetamine.Core.Validation;

/// <summary>
/// One caller at a time into the wrapped resolver (the <see cref="SnapshotSource"/>): two threads generating
/// snapshots on one cold stack gave false errors ("Invalid snapshot generator state", VALIDATION.md trap 3).
/// Sits under the <see cref="CachedResolver"/>, so warm lookups never get here. The gate is process-wide: every
/// context's snapshots are generated from the same core R4 instances (see <see cref="LockingSchemaResolver"/>).
/// </summary>
#pragma warning disable CS0618 // the obsolete members are part of the interface and only forwarded
internal sealed class SerializedResolver(IAsyncResourceResolver inner) : IAsyncResourceResolver
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public Task<Resource?> ResolveByUriAsync(string uri) => OneAtATimeAsync(() => inner.ResolveByUriAsync(uri));

    public Task<Resource?> ResolveByCanonicalUriAsync(string uri) => OneAtATimeAsync(() => inner.ResolveByCanonicalUriAsync(uri));

    public Task<ResolverResult> TryResolveByUriAsync(string uri) => OneAtATimeAsync(() => inner.TryResolveByUriAsync(uri));

    public Task<ResolverResult> TryResolveByCanonicalUriAsync(string uri) => OneAtATimeAsync(() => inner.TryResolveByCanonicalUriAsync(uri));

    private async Task<T> OneAtATimeAsync<T>(Func<Task<T>> work)
    {
        await Gate.WaitAsync();
        try
        {
            return await work();
        }
        finally
        {
            Gate.Release();
        }
    }
}
#pragma warning restore CS0618