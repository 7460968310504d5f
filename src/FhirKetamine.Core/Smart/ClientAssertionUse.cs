namespace FhirKetamine.Core.Smart;

/// <summary>
/// A client assertion's <c>jti</c> seen at the token endpoint. The (client, jti) key makes a replay fail on
/// insert, on every server instance sharing the database; rows past <see cref="ExpiresUtc"/> are purged.
/// </summary>
public sealed class ClientAssertionUse
{
    public required string ClientId { get; set; }

    public required string Jti { get; set; }

    public DateTime ExpiresUtc { get; set; }
}
