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
}