using FhirKetamine.Core.Rest;
using FhirKetamine.Core.Storage;

using Hl7.Fhir.Model;

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FhirKetamine.Core.Validation;

/// <summary>The current StructureDefinitions, ValueSets and CodeSystems of the store, and single resources the validator needs, read in a scope of their own.</summary>
internal sealed class StoredConformanceResources(IServiceScopeFactory scopes, FhirSerialization fhir) : IConformanceStore
{
    public async Task<IReadOnlyList<Resource>> LoadAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetService<FhirDbContext>();
        if (db is null)
        {
            return [];
        }

        var types = ConformanceResource.Types.ToList();
        var json = await db.Resources.AsNoTracking()
            .Where(r => types.Contains(r.Type) && !r.IsDeleted)
            .Join(db.Versions, r => new { r.Key, r.VersionId }, v => new { Key = v.ResourceKey, v.VersionId }, (r, v) => v.Json)
            .ToListAsync(ct);
        return json.Select(fhir.ParseStored).ToList();
    }

    /// <summary>
    /// Synchronous on purpose: Firely's validator is synchronous and blocks on the reference resolver, so an
    /// asynchronous read (Npgsql's is truly asynchronous) would need a second pool thread for its continuation while
    /// the validating thread waits, which under load starves the thread pool. A blocking read costs only this thread.
    /// </summary>
    public Task<Resource?> ReadAsync(string type, string id, CancellationToken ct)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetService<FhirDbContext>();
        if (db is null)
        {
            return Task.FromResult<Resource?>(null);
        }

        ct.ThrowIfCancellationRequested();
        var json = db.Resources.AsNoTracking()
            .Where(r => r.Type == type && r.LogicalId == id && !r.IsDeleted)
            .Join(db.Versions, r => new { r.Key, r.VersionId }, v => new { Key = v.ResourceKey, v.VersionId }, (r, v) => v.Json)
            .FirstOrDefault();
        return Task.FromResult(json is null ? null : fhir.ParseStored(json));
    }
}
