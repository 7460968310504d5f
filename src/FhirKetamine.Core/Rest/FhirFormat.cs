namespace FhirKetamine.Core.Rest;

/// <summary>The wire formats the server reads and writes.</summary>
public enum FhirFormat
{
    Json,
    Xml,
}
