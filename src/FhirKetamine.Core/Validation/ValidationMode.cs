namespace FhirKetamine.Core.Validation;

/// <summary><c>Validation:Mode</c> (SPEC.md §3).</summary>
public enum ValidationMode
{
    /// <summary>A resource with an error or fatal issue is refused with 422; nothing of it is stored.</summary>
    Enforce,

    /// <summary>Everything is stored; the issues travel with the response.</summary>
    Report,

    /// <summary>No validation at all: only for bulk loads by an administrator.</summary>
    Off,
}