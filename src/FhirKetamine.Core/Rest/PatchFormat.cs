namespace FhirKetamine.Core.Rest;

/// <summary>The two patch formats the server accepts (XML Patch is not supported).</summary>
public enum PatchFormat
{
    JsonPatch,
    FhirPathPatch,
}
