using FhirKetamine.Core.Search;
using FhirKetamine.Core.Validation;

using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FhirKetamine.Server.Validation;

/// <summary>
/// <c>Validation:Mode</c> and the other <see cref="ValidationOptions"/>, the warm-up at start, and the
/// <c>ready</c> health check that stays unhealthy until the validator is warm.
/// </summary>
internal static class ValidationSetup
{
    public static IServiceCollection AddFhirValidation(this IServiceCollection services)
    {
        services.AddOptions<ValidationOptions>().BindConfiguration("Validation").ValidateOnStart();
        services.AddHostedService<ValidationWarmUp>();
        services.AddHostedService<ConformanceRefresh>();
        services.AddHealthChecks().AddCheck<ValidatorReadyCheck>("validator", tags: ["ready"]);
        return services;
    }

    /// <summary>
    /// Starts the validator warm-up as soon as the store is migrated and the IG package loaded, so that it overlaps
    /// the rest of start-up instead of beginning when the host has started (<see cref="ValidationWarmUp"/> awaits it).
    /// </summary>
    public static void StartValidatorWarmUp(this IServiceProvider services, CancellationToken stopping)
    {
        var validator = services.GetRequiredService<ResourceValidator>();
        if (validator.Mode != ValidationMode.Off)
        {
            _ = validator.WarmUpAsync(stopping); // failures are logged by ValidationWarmUp, which awaits the same task
        }
    }
}

/// <summary>
/// Compiles the core and custom schemas in the background once the host has started and, beside it, loads the UCUM
/// system (~0.6 s), which indexing every vital sign needs whatever the validation mode, so the first reading does not
/// pay it. Readiness waits for the validator only, so the UCUM load does not run before it.
/// </summary>
internal sealed partial class ValidationWarmUp(ResourceValidator validator, UcumCanonicalizer ucum, ILogger<ValidationWarmUp> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var units = Task.Run(() => ucum.Canonical("/min"), stoppingToken);
        if (validator.Mode != ValidationMode.Off)
        {
            try
            {
                await validator.WarmUpAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogWarmUpFailed(logger, ex);
            }
        }

        await units;
    }

    [LoggerMessage(EventId = 5101, Level = LogLevel.Error, Message = "Validator warm-up failed; /health/ready stays unhealthy")]
    private static partial void LogWarmUpFailed(ILogger logger, Exception exception);
}

/// <summary>
/// Degraded (503 on /health/ready) until the validator is warm: a cold validator takes seconds over its first
/// requests. Not Unhealthy: ASP.NET logs an unhealthy check at Error level on every poll, and warming up is normal.
/// </summary>
internal sealed class ValidatorReadyCheck(ResourceValidator validator) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(validator.Mode == ValidationMode.Off || validator.IsWarm
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Degraded("The validator is warming up."));
}