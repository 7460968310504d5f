using System.Net;

using FhirKetamine.Core.Rest;
using FhirKetamine.Core.Smart;

using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Subscriptions;

/// <summary>
/// What a Subscription's owner may receive: a subscription is a standing search, so its owner needs the
/// search or read permission on the criteria's type (checked when the Subscription is written, 403 if not)
/// and again before each notification leaves. When a write is matched, the owner's grant bounds the match like a
/// search of its own (<see cref="ScopeBounds"/>: a <c>patient/</c> scope's compartment, granular filters).
/// </summary>
public static class SubscriptionScopes
{
    public static bool MayReceive(SmartAccess owner, string type) =>
        owner.Scopes.Any(s => s.Allows(type, 's') || s.Allows(type, 'r'));

    public static void DemandMayReceive(SmartAccess owner, string type)
    {
        if (!MayReceive(owner, type))
        {
            throw new FhirException(HttpStatusCode.Forbidden, OperationOutcome.IssueType.Forbidden,
                $"The access token does not grant reading {type}, so it cannot subscribe to {type} resources.");
        }
    }

    public static string Format(SmartAccess access) => Export.ExportScopes.Format(access.Scopes);
}
