namespace FhirKetamine.Core.Smart;

/// <summary>
/// A key of the embedded authorization server, kept in the database so that restarts and every instance
/// sign and decrypt with the same keys. <see cref="Use"/> is <c>sig</c> (RSA, PKCS#8 PEM) or <c>enc</c>
/// (256-bit symmetric, base64). The newest key of each use signs; older ones stay published until removed.
/// </summary>
public sealed class SmartKeyRow
{
    public required string KeyId { get; set; }

    public required string Use { get; set; }

    public required string Material { get; set; }

    public DateTime CreatedUtc { get; set; }
}
