using FhirKetamine.Core.Smart;

using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Subscriptions;

/// <summary>A claimed notification ready to send: its Subscription as it is now, and the matched version's JSON (for a full payload).</summary>
public sealed record Notification(NotificationRow Row, Subscription Subscription, SmartAccess Owner, string? ResourceJson);
