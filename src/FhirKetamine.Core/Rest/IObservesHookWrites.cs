namespace FhirKetamine.Core.Rest;

/// <summary>
/// An <see cref="IWriteHook"/> that is also shown the resources other hooks wrote through
/// <see cref="ResourceInteractions.CreateInCurrentTransactionAsync"/> or
/// <see cref="ResourceInteractions.UpdateInCurrentTransactionAsync"/> (with <see cref="WriteEvent.ByHook"/> set),
/// after all hooks ran on the triggering write: a subscription on <c>Flag</c> must notify when a safety rule
/// raises one. Writes it makes itself while seeing them are not shown again.
/// </summary>
public interface IObservesHookWrites : IWriteHook;
