namespace FhirKetamine.Core.Validation;

/// <summary>The <c>Validation</c> configuration section.</summary>
public sealed class ValidationOptions
{
    public ValidationMode Mode { get; set; } = ValidationMode.Enforce;

    /// <summary>
    /// FHIR package folders whose conformance resources the validator knows from the first request on,
    /// before they are loaded into the store (the ketamine IG ships in the build output).
    /// </summary>
    /// <summary>
    /// How often (seconds) this instance looks for StructureDefinitions, ValueSets and CodeSystems that
    /// another instance on the same database created, changed or deleted; 0 turns it off (one instance).
    /// Writes through this instance count at once, whatever this is.
    /// </summary>
    public double ConformanceRefreshSeconds { get; set; } = 2;

    public List<string> PackageFolders { get; set; } = [Path.Combine(AppContext.BaseDirectory, "profiles", "package")];

    /// <summary>
    /// A <c>meta.profile</c> the server does not know: <see cref="UnresolvedPolicy.Error"/> (the default, so
    /// that a client learns the rules it asked for were not checked) or <see cref="UnresolvedPolicy.Warning"/>
    /// (the HL7 reference validator's policy). A <c>profile</c> parameter of <c>$validate</c> is always an error.
    /// </summary>
    public UnresolvedPolicy UnknownProfiles { get; set; } = UnresolvedPolicy.Error;
}

/// <summary>What a reference to a definition the server does not have is.</summary>
public enum UnresolvedPolicy
{
    Error,
    Warning,
}
