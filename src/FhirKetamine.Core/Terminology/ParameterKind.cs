namespace FhirKetamine.Core.Terminology;

/// <summary>The FHIR type of a terminology operation's input parameter.</summary>
public enum ParameterKind
{
    Uri,
    String,
    Code,
    Integer,
    Boolean,
    Coding,
    CodeableConcept,
    Resource,
}
