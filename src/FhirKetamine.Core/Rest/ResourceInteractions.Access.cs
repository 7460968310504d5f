using FhirKetamine.Core.Smart;

namespace FhirKetamine.Core.Rest;

/// <summary>
/// Reads and instance history of a resource the caller may not see (outside its patient's compartment, or not matching
/// its granular scope's filter) answer 404, as if the resource did not exist: nothing of it leaks, not even that it
/// exists. Decided by the same predicate search uses (<see cref="ScopeBounds"/>), on the resource's current indexed
/// state; a deleted resource is therefore invisible to a bounded grant (404, not 410).
/// </summary>
public sealed partial class ResourceInteractions
{
    private async Task<FhirResponse> VisibleThenAsync(FhirRequest request, Func<FhirRequest, CancellationToken, Task<FhirResponse>> next, CancellationToken ct)
    {
        await DemandVisibleAsync(request, ct);
        return await next(request, ct);
    }

    private async Task DemandVisibleAsync(FhirRequest request, CancellationToken ct)
    {
        var (type, id) = Target(request);
        if (ScopeGuard.Bounds(request, 'r', queryParser) is { } bounds && bounds.For(type) is not null && !await search.IsVisibleAsync(type, id, bounds, ct))
        {
            throw FhirException.NotFound($"{type}/{id} is not known.");
        }
    }

    /// <summary>Type and system history keep only the versions of resources the caller may search.</summary>
    private IQueryable<Storage.ResourceVersionRow> VisibleVersions(IQueryable<Storage.ResourceVersionRow> versions, FhirRequest request,
        Storage.FhirDbContext store, Search.SearchExecutor executor)
    {
        if (ScopeGuard.Bounds(request, 's', queryParser) is not { } bounds || (request.ResourceType is { } only && bounds.For(only) is null))
        {
            return versions;
        }

        var type = request.ResourceType;
        // On the same context as the versions (the read replica's, when one is configured): one query.
        var visible = executor.Visible(type is null ? store.Resources : store.Resources.Where(r => r.Type == type), type, bounds);
        return versions.Where(v => visible.Any(r => r.Key == v.ResourceKey));
    }
}
