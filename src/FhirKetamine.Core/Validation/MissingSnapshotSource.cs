using Hl7.Fhir.Model;
using Hl7.Fhir.Specification.Snapshot;
using Hl7.Fhir.Specification.Source;

namespace FhirKetamine.Core.Validation;

/// <summary>
/// Generates the snapshot of a StructureDefinition that has none (a profile posted with its differential only),
/// and leaves every snapshot that exists as it is.
/// <para>
/// Firely's <see cref="SnapshotSource"/> (SDK 6) regenerates every snapshot its own generator did not make, in
/// place: the HL7 snapshots of core R4 and SUSHI's snapshots of the IG. Core R4 is parsed once per process and
/// shared by every validation context, so the first context rewrote the shared definitions (the regenerated
/// <c>heartrate</c> and <c>vitalsigns</c> differ from HL7's: constraints copied onto every element, <c>dom-3</c>
/// gone), and any context built after that — the next one after a profile change, or a second server in the
/// process — compiled the IG's vital-sign profiles against them and enforced none of their <c>value[x]</c> rules
/// (docs/validation-shared-core.md). The HL7 validator uses the snapshots it is given, and so does this source.
/// </para>
/// Not thread-safe: it sits under the <see cref="SerializedResolver"/>.
/// </summary>
#pragma warning disable CS0618 // the obsolete members are part of the interface and only forwarded
internal sealed class MissingSnapshotSource(IAsyncResourceResolver inner) : IAsyncResourceResolver
{
    // GenerateSnapshotForExternalProfiles (the default) generates a base profile's snapshot only when it has none.
    private readonly SnapshotGenerator _generator = new(inner, SnapshotGeneratorSettings.CreateDefault());

    public async Task<Resource?> ResolveByUriAsync(string uri) => (await TryResolveByUriAsync(uri)).Value;

    public async Task<Resource?> ResolveByCanonicalUriAsync(string uri) => (await TryResolveByCanonicalUriAsync(uri)).Value;

    public async Task<ResolverResult> TryResolveByUriAsync(string uri) => await EnsureSnapshotAsync(await inner.TryResolveByUriAsync(uri));

    public async Task<ResolverResult> TryResolveByCanonicalUriAsync(string uri) => await EnsureSnapshotAsync(await inner.TryResolveByCanonicalUriAsync(uri));

    private async Task<ResolverResult> EnsureSnapshotAsync(ResolverResult resolved)
    {
        if (resolved.Value is not StructureDefinition { HasSnapshot: false } profile)
        {
            return resolved;
        }

        await _generator.UpdateAsync(profile);
        return _generator.Outcome is { Success: false } outcome
            ? new ResolverResult(profile, new ResolverException(ResolverException.SNAPSHOT_FAILURE,
                $"The snapshot of {profile.Url} could not be generated: {string.Join("; ", outcome.Issue.Select(i => i.Details?.Text ?? i.Diagnostics))}"))
            : resolved;
    }
}
#pragma warning restore CS0618
