using FhirKetamine.Core.Smart;
using FhirKetamine.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.JsonWebTokens;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace FhirKetamine.Server.Smart;

/// <summary>
/// SMART Backend Services client assertions on OpenIddict 7.8, which natively wants <c>typ</c>
/// <c>client-authentication+jwt</c> and <c>aud</c> = the issuer, and checks neither jti replay nor how far
/// ahead <c>exp</c> is (SMART.md §1). Three handlers: accept <c>typ: JWT</c> and the token endpoint URL as
/// audience; mark the validated JWT as a client assertion; require exp ≤ now + 5 min and a jti never seen.
/// </summary>
internal static class ClientAssertionHandlers
{
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromMinutes(5);

    public static OpenIddictServerHandlerDescriptor AcceptSmartAssertion { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
            .UseInlineHandler(context =>
            {
                if (!IsClientAssertionOnly(context))
                {
                    return default;
                }

                var parameters = context.TokenValidationParameters.Clone();
                parameters.ValidTypes = [.. parameters.ValidTypes ?? [], "JWT"];
                context.TokenValidationParameters = parameters;
                var issuer = context.Options.Issuer ?? context.BaseUri;
                if (issuer is not null)
                {
                    var tokenEndpoint = new Uri(issuer.AbsoluteUri.TrimEnd('/') + "/connect/token");
                    context.ValidAudiences.Add(tokenEndpoint.AbsoluteUri);
                }

                return default;
            })
            .SetOrder(OpenIddictServerHandlers.Protection.ResolveTokenValidationParameters.Descriptor.Order + 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    /// <summary>A <c>typ: JWT</c> token would otherwise be read as an id_token (and end in a 500).</summary>
    public static OpenIddictServerHandlerDescriptor MarkAsClientAssertion { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
            .UseInlineHandler(context =>
            {
                if (IsClientAssertionOnly(context) && context.Principal is not null)
                {
                    context.Principal.SetTokenType(TokenTypeIdentifiers.Private.ClientAssertion);
                }

                return default;
            })
            .SetOrder(OpenIddictServerHandlers.Protection.ValidateIdentityModelToken.Descriptor.Order + 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public static OpenIddictServerHandlerDescriptor RefuseReplayAndLongLife { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessAuthenticationContext>()
            .AddFilter<OpenIddictServerHandlerFilters.RequireClientAssertionPrincipal>()
            .UseScopedHandler<ReplayGuard>()
            .SetOrder(OpenIddictServerHandlers.ValidateClientAssertionIssuer.Descriptor.Order + 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    /// <summary>
    /// At the token endpoint only a client assertion can fail as <c>invalid_token</c> (codes and refresh tokens
    /// fail as invalid_grant); RFC 7523 and SMART call that <c>invalid_client</c>.
    /// </summary>
    public static OpenIddictServerHandlerDescriptor ReportAssertionErrorsAsInvalidClient { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<ApplyTokenResponseContext>()
            .UseInlineHandler(context =>
            {
                if (context.Response.Error == OpenIddictConstants.Errors.InvalidToken && context.Request?.ClientAssertion is not null)
                {
                    context.Response.Error = OpenIddictConstants.Errors.InvalidClient;
                }

                return default;
            })
            .SetOrder(int.MinValue + 50_000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    private static bool IsClientAssertionOnly(ValidateTokenContext context) =>
        context.ValidTokenTypes.Count == 1 && context.ValidTokenTypes.Contains(TokenTypeIdentifiers.Private.ClientAssertion);

    internal sealed class ReplayGuard(FhirDbContext db, TimeProvider clock) : IOpenIddictServerHandler<ProcessAuthenticationContext>
    {
        public async ValueTask HandleAsync(ProcessAuthenticationContext context)
        {
            var principal = context.ClientAssertionPrincipal!;
            var now = clock.GetUtcNow();
            var expires = principal.GetExpirationDate();
            var jti = principal.GetClaim(Claims.JwtId);
            var clientId = principal.GetClaim(Claims.Subject) ?? context.Request.ClientId ?? "";
            if (expires is null || expires > now + MaxLifetime + TimeSpan.FromSeconds(30))
            {
                context.Reject(OpenIddictConstants.Errors.InvalidClient, "The client assertion's exp must be at most 5 minutes ahead.");
                return;
            }

            if (string.IsNullOrEmpty(jti) || jti.Length > 200)
            {
                context.Reject(OpenIddictConstants.Errors.InvalidClient, "The client assertion must carry a jti (at most 200 characters).");
                return;
            }

            db.ClientAssertionUses.Add(new ClientAssertionUse { ClientId = clientId, Jti = jti, ExpiresUtc = expires.Value.UtcDateTime });
            try
            {
                await db.SaveChangesAsync(context.CancellationToken);
            }
            catch (DbUpdateException)
            {
                db.ChangeTracker.Clear();
                context.Reject(OpenIddictConstants.Errors.InvalidClient, "The client assertion's jti was already used.");
                return;
            }

            // The ledger only needs rows that could still be replayed; purge the expired ones now and then.
            if (Random.Shared.Next(50) == 0)
            {
                var cutoff = now.UtcDateTime;
                await db.ClientAssertionUses.Where(u => u.ExpiresUtc < cutoff).ExecuteDeleteAsync(context.CancellationToken);
            }
        }
    }
}
