namespace FhirKetamine.Core.Validation;

/// <summary>The <c>Validation</c> configuration section.</summary>
public sealed class ValidationOptions
{
    public ValidationMode Mode { get; set; } = ValidationMode.Enforce;

    /// <summary>
    /// FHIR package folders whose conformance resources the validator knows from the first request on,
    /// before they are loaded into the store (the ketamine IG ships in the build output).
    /// </summary>
    public List<string> PackageFolders { get; set; } = [Path.Combine(AppContext.BaseDirectory, "profiles", "package")];
}