namespace FhirKetamine.Core.Export;

/// <summary>A running attempt lost its job: cancelled by the client, or claimed by another worker after its lease ran out.</summary>
public sealed class ExportAbandonedException : Exception
{
    public ExportAbandonedException()
        : base("The export job was cancelled or taken over by another worker.")
    {
    }

    public ExportAbandonedException(string message)
        : base(message)
    {
    }

    public ExportAbandonedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}