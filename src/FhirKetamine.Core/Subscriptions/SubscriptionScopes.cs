using System.Net;

using FhirKetamine.Core.Rest;
using FhirKetamine.Core.Smart;

using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Subscriptions;

/// <summary>
/// What a Subscription's owner may receive: a subscription is a standing search, so its owner needs the
/// search or read permission on the criteria's type (checked when the Subscription is written, 403 if not)
/// and again before each notification leaves; an owner reaching that type only through <c>patient/</c>
/// scopes is bounded by its patient's compartment when a write is matched.
/// </summary>
public static class SubscriptionScopes
{
    public static bool MayReceive(SmartAccess owner, string type) =>
        owner.Scopes.Any(s => s.Allows(type, 's') || s.Allows(type, 'r'));

    /// <summary>The patient whose compartment bounds the matches, when the type is granted only through <c>patient/</c> scopes.</summary>
    public static string? CompartmentOf(SmartAccess owner, string type)
    {
        var allowing = owner.Scopes.Where(s => s.Allows(type, 's') || s.Allows(type, 'r')).ToList();
        return allowing.Count > 0 && allowing.All(s => s.Context == "patient") ? owner.PatientId ?? string.Empty : null;
    }

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
