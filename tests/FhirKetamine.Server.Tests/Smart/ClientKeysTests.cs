using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using FhirKetamine.Server.Smart;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;

namespace FhirKetamine.Server.Tests.Smart;

/// <summary>
/// How a backend client's keys get to the server: <c>smart new-client</c> prints the registration and the private key
/// (and that key then signs an assertion the server accepts), or the client publishes them at a <c>JwksUrl</c>, which
/// the server fetches, caches and fetches again when a new kid appears.
/// </summary>
public sealed class ClientKeysTests
{
    [Theory]
    [InlineData("RS384")]
    [InlineData("ES384")]
    public async Task New_client_command_prints_a_registration_and_a_private_key_that_signs_an_accepted_assertion(string alg)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        Assert.Equal(0, NewClientCommand.Run(["--id", "monitor-7", "--scopes", "system/Observation.c", "--alg", alg], output, error));
        var text = output.ToString();

        var entry = JsonDocument.Parse(Section(text, NewClientCommand.ConfigHeader, NewClientCommand.PemHeader)).RootElement;
        var pem = Section(text, NewClientCommand.PemHeader, NewClientCommand.JwkHeader);
        var privateJwk = JsonDocument.Parse(Section(text, NewClientCommand.JwkHeader, null)).RootElement;
        Assert.Equal("monitor-7", entry.GetProperty("ClientId").GetString());
        Assert.Equal("Backend", entry.GetProperty("Kind").GetString());
        var jwks = entry.GetProperty("Jwks").GetString()!;
        Assert.DoesNotContain("\"d\"", jwks, StringComparison.Ordinal); // the registration holds the public key only
        Assert.True(privateJwk.TryGetProperty("d", out _));
        var kid = JsonDocument.Parse(jwks).RootElement.GetProperty("keys")[0].GetProperty("kid").GetString();
        Assert.Equal(kid, privateJwk.GetProperty("kid").GetString());

        await using var server = new SmartServerFactory();
        foreach (var property in entry.EnumerateObject())
        {
            server.Settings[$"Smart:Clients:4:{property.Name}"] = property.Value.GetString();
        }

        SecurityKey key = alg == "RS384" ? new RsaSecurityKey(ImportRsa(pem)) { KeyId = kid } : new ECDsaSecurityKey(ImportEc(pem)) { KeyId = kid };
        var token = await server.TokenAsync("monitor-7", key, alg, "system/Observation.c");
        using var fhir = server.CreateFhirClient(token);
        using var created = await fhir.PostAsync("Observation", GranularScopeTests.Fhir("""{"resourceType":"Observation","status":"final","code":{"text":"heart rate"}}"""));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await fhir.GetAsync("Observation")).StatusCode);
    }

    [Fact]
    public void New_client_command_without_its_arguments_prints_usage_and_fails()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        Assert.Equal(2, NewClientCommand.Run(["--id", "x"], output, error));
        Assert.Contains("Usage", error.ToString(), StringComparison.Ordinal);
        Assert.Equal(2, NewClientCommand.Run(["--id", "x", "--scopes", "system/*.rs", "--alg", "HS256"], output, error));
        Assert.Empty(output.ToString());
    }

    [Fact]
    public async Task Jwks_url_is_fetched_cached_and_fetched_again_for_a_new_kid()
    {
        var first = new RsaSecurityKey(RSA.Create(2048)) { KeyId = "remote-1" };
        var second = new ECDsaSecurityKey(ECDsa.Create(ECCurve.NamedCurves.nistP384)) { KeyId = "remote-2" };
        var published = SmartServerFactory.Jwks(first);
        var fetches = 0;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        await using var keyHost = builder.Build();
        keyHost.MapGet("/jwks.json", () =>
        {
            Interlocked.Increment(ref fetches);
            return Results.Text(Volatile.Read(ref published), "application/json");
        });
        await keyHost.StartAsync();
        var url = keyHost.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/jwks.json";

        await using var server = new SmartServerFactory();
        server.Settings["Smart:Clients:4:ClientId"] = "remote";
        server.Settings["Smart:Clients:4:Kind"] = "Backend";
        server.Settings["Smart:Clients:4:JwksUrl"] = url;
        server.Settings["Smart:Clients:4:Scopes"] = "system/Patient.rs";
        server.Settings["Smart:JwksMinRefreshInterval"] = "00:00:00";

        Assert.NotEmpty(await server.TokenAsync("remote", first, SecurityAlgorithms.RsaSha384, "system/Patient.rs"));
        var afterFirst = Volatile.Read(ref fetches);
        Assert.NotEmpty(await server.TokenAsync("remote", first, SecurityAlgorithms.RsaSha384, "system/Patient.rs"));
        Assert.Equal(afterFirst, Volatile.Read(ref fetches)); // cached

        Volatile.Write(ref published, SmartServerFactory.Jwks(second)); // the client rotates its key
        Assert.NotEmpty(await server.TokenAsync("remote", second, SecurityAlgorithms.EcdsaSha384, "system/Patient.rs"));
        Assert.True(Volatile.Read(ref fetches) > afterFirst);

        var unpublished = new RsaSecurityKey(RSA.Create(2048)) { KeyId = "remote-3" };
        using var refused = await server.RequestBackendTokenAsync(SmartServerFactory.Assertion("remote", unpublished, SecurityAlgorithms.RsaSha384), "system/Patient.rs");
        Assert.Contains("invalid_client", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var retired = await server.RequestBackendTokenAsync(SmartServerFactory.Assertion("remote", first, SecurityAlgorithms.RsaSha384), "system/Patient.rs");
        Assert.Contains("invalid_client", await retired.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await keyHost.StopAsync();
    }

    private static string Section(string text, string header, string? next)
    {
        var start = text.IndexOf(header, StringComparison.Ordinal) + header.Length;
        var end = next is null ? text.Length : text.IndexOf(next, start, StringComparison.Ordinal);
        return text[start..end].Trim();
    }

    private static RSA ImportRsa(string pem)
    {
        var rsa = RSA.Create();
        rsa.ImportFromPem(pem);
        return rsa;
    }

    private static ECDsa ImportEc(string pem)
    {
        var ec = ECDsa.Create();
        ec.ImportFromPem(pem);
        return ec;
    }
}
