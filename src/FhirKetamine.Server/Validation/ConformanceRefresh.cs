using FhirKetamine.Core.Rest;
using FhirKetamine.Core.Validation;
using FhirKetamine.Server.Storage;

using Hl7.Fhir.Model;

using Microsoft.Extensions.Options;

namespace FhirKetamine.Server.Validation;

/// <summary>
/// Several instances share one database, so a profile, ValueSet or CodeSystem written through one must be
/// enforced by the others within <see cref="ValidationOptions.ConformanceRefreshSeconds"/>: each one whose stored
/// version moved goes to the validator, which swaps in a new context (or does nothing when the content is what it
/// already has, e.g. this instance's own write, or when the version is older than one it already has).
/// </summary>
internal sealed partial class ConformanceRefresh(
    ResourceValidator validator,
    IServiceScopeFactory scopes,
    FhirSerialization fhir,
    IOptions<ValidationOptions> options,
    ILogger<ConformanceRefresh> logger) : StoredVersionPoll(scopes, fhir)
{
    protected override IReadOnlyCollection<string> Types => ConformanceResource.Types;

    protected override TimeSpan? Interval =>
        validator.Mode == ValidationMode.Off || options.Value.ConformanceRefreshSeconds <= 0
            ? null
            : TimeSpan.FromSeconds(options.Value.ConformanceRefreshSeconds);

    protected override Task ChangedAsync(string type, string id, int version, Resource? resource, CancellationToken ct) =>
        validator.ConformanceChangedAsync(type, id, version, resource, ct);

    protected override void LogFailed(Exception exception) => LogRefreshFailed(logger, exception);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Warning, Message = "Could not look for conformance resources changed by other instances")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}
