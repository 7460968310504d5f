using System.Net.Http.Headers;

using FhirKetamine.Core.Rest;

using Hl7.Fhir.Model;

using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace FhirKetamine.Server.Tests.Subscriptions;

/// <summary>
/// A resource another write hook creates (as the safety rules create a Flag) runs no hooks itself, but a
/// Subscription on it still notifies: the subscription hook is shown the hooks' writes.
/// </summary>
public sealed class HookWriteNotificationTests : IAsyncLifetime
{
    private readonly FhirServerFactory _server = new FhirServerFactory().Quick();
    private WebApplicationFactory<Program> _withRule = null!;

    public Task InitializeAsync()
    {
        // The stand-in rule alone: the real safety rules would flag the same heart rate too.
        _withRule = _server.WithWebHostBuilder(b =>
        {
            b.UseSetting("Safety:Enabled", "false");
            b.ConfigureTestServices(s => s.AddScoped<IWriteHook, TachycardiaFlag>());
        });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _withRule.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task A_flag_raised_by_a_hook_notifies_a_subscription_on_flags()
    {
        await using var receiver = await HookReceiver.StartAsync();
        var client = _withRule.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://localhost/fhir/") });
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/fhir+json"));
        var patient = await client.CreateAsync(Fhir.Patient());
        await client.CreateAsync(Subs.RestHook($"Flag?patient=Patient/{patient.Id}", receiver.Url + "/flags"));

        await client.CreateAsync(Fhir.HeartRate(patient.Id!, "2026-11-25T10:00:00Z", 80)); // in range: no Flag
        await client.CreateAsync(Fhir.HeartRate(patient.Id!, "2026-11-25T10:00:05Z", 160));

        var delivered = Assert.Single(await receiver.WaitForAsync(1));
        var flag = Assert.IsType<Flag>(Subs.Parse(delivered.Body));
        Assert.Equal($"Patient/{patient.Id}", flag.Subject.Reference);
    }

    /// <summary>A stand-in for a safety rule: a heart rate above 140 raises a Flag in the write's transaction.</summary>
    private sealed class TachycardiaFlag : IWriteHook
    {
        public async Task AfterWriteAsync(WriteEvent write, CancellationToken ct)
        {
            if (write.Written.Resource is Observation { Value: Quantity { Value: > 140 } } reading)
            {
                await write.Rest.CreateInCurrentTransactionAsync(
                    new Flag
                    {
                        Status = Flag.FlagStatus.Active,
                        Code = new CodeableConcept("http://example.org/rules", "tachycardia"),
                        Subject = reading.Subject ?? new ResourceReference(),
                    },
                    ct);
            }
        }
    }
}
