using FhirKetamine.Core.Smart;

namespace FhirKetamine.Core.Export;

/// <summary>A <c>$export</c> kick-off as the HTTP layer received it.</summary>
/// <param name="Level">system, patient or group.</param>
/// <param name="GroupId">The Group's id for a group-level export.</param>
/// <param name="Parameters">The query parameters, repeats kept.</param>
/// <param name="Access">The caller and its grant.</param>
/// <param name="RequestUrl">The full kick-off URL (the manifest's <c>request</c>).</param>
/// <param name="BaseUrl">The FHIR base URL the client used.</param>
public sealed record ExportRequest(
    string Level,
    string? GroupId,
    IReadOnlyList<KeyValuePair<string, string>> Parameters,
    SmartAccess Access,
    string RequestUrl,
    string BaseUrl);