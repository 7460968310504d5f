using FhirKetamine.Core.Rest;
using FhirKetamine.Core.Search;
using FhirKetamine.Core.Validation;
using FhirKetamine.Server.Storage;

using Hl7.Fhir.Model;

using Microsoft.Extensions.Options;

namespace FhirKetamine.Server.Search;

/// <summary>
/// Keeps <see cref="SearchParameterRegistry"/> in step with the SearchParameter resources in the database, the way
/// <c>ConformanceRefresh</c> does for the validator: once at start (after the IG package is loaded, so the
/// parameters already stored by an earlier start count before the first request), then every
/// <see cref="ValidationOptions.ConformanceRefreshSeconds"/> for those another instance on the same database
/// created, changed or deleted. Writes through this instance reach the registry at once
/// (<see cref="ResourceInteractions"/>); a version older than the registry's is ignored there.
/// </summary>
internal sealed partial class SearchParameterRefresh(
    SearchParameterRegistry registry,
    IServiceScopeFactory scopes,
    FhirSerialization fhir,
    IOptions<ValidationOptions> options,
    ILogger<SearchParameterRefresh> logger) : StoredVersionPoll(scopes, fhir)
{
    private static readonly string[] SearchParameters = ["SearchParameter"];

    protected override IReadOnlyCollection<string> Types => SearchParameters;

    protected override TimeSpan? Interval =>
        options.Value.ConformanceRefreshSeconds <= 0 ? null : TimeSpan.FromSeconds(options.Value.ConformanceRefreshSeconds);

    protected override Task ChangedAsync(string type, string id, int version, Resource? resource, CancellationToken ct)
    {
        registry.Changed(id, version, resource as SearchParameter);
        return Task.CompletedTask;
    }

    protected override void LogFailed(Exception exception) => LogRefreshFailed(logger, exception);

    [LoggerMessage(EventId = 5201, Level = LogLevel.Warning, Message = "Could not look for SearchParameters changed by other instances")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}
