using FhirKetamine.Core.Search;

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FhirKetamine.Core.Storage;

/// <summary>The connection to a read replica (<c>ConnectionStrings:FhirReadOnly</c>); <see cref="Options"/> null when none is configured.</summary>
public sealed class ReadReplicaOptions
{
    public DbContextOptions<FhirDbContext>? Options { get; init; }
}

/// <summary>
/// Where reads that may lag go: searches and type- or system-level history run on the read replica when one
/// is configured, so a site can move its heavy reads off the primary. Everything that must see the caller's
/// own writes stays on the primary: reads and vreads by id, instance history, conditional matching, and any
/// search inside a write's transaction (a transaction Bundle). Replication lag is the price: a search right
/// after a create may not find it yet (the CapabilityStatement and README say so). Scoped; the replica's
/// context is opened only when first used.
/// </summary>
public sealed class ReadReplica(ReadReplicaOptions options, FhirDbContext primary, SearchExecutor primarySearch, IServiceProvider services) : IDisposable, IAsyncDisposable
{
    private FhirDbContext? _replica;
    private SearchExecutor? _replicaSearch;

    public bool IsConfigured => options.Options is not null;

    /// <summary>The replica's context, or the primary's when no replica is configured or a transaction is open.</summary>
    public FhirDbContext Context => UsePrimary ? primary : _replica ??= new FhirDbContext(options.Options!);

    /// <summary>A search executor on <see cref="Context"/>.</summary>
    public SearchExecutor Search => UsePrimary ? primarySearch : _replicaSearch ??= ActivatorUtilities.CreateInstance<SearchExecutor>(services, Context);

    private bool UsePrimary => options.Options is null || primary.Database.CurrentTransaction is not null;

    public void Dispose() => _replica?.Dispose(); // a scope disposed synchronously (tests, tools) disposes it this way

    public ValueTask DisposeAsync() => _replica?.DisposeAsync() ?? ValueTask.CompletedTask;
}
