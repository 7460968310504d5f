namespace FhirKetamine.Core.Export;

/// <summary>The three kick-off endpoints of Bulk Data export.</summary>
public static class ExportLevel
{
    public const string System = "system";
    public const string Patient = "patient";
    public const string Group = "group";
}