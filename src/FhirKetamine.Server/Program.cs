using FhirKetamine.Core;
using FhirKetamine.Core.Validation;
using FhirKetamine.Server;
using FhirKetamine.Server.Audit;
using FhirKetamine.Server.Errors;
using FhirKetamine.Server.Export;
using FhirKetamine.Server.Hardening;
using FhirKetamine.Server.Rest;
using FhirKetamine.Server.Search;
using FhirKetamine.Server.Smart;
using FhirKetamine.Server.Storage;
using FhirKetamine.Server.Subscriptions;
using FhirKetamine.Server.Validation;
using FhirKetamine.Server.WebApp;

if (args is ["--healthcheck", var probeUrl])
{
    return await HealthProbe.RunAsync(probeUrl);
}

if (args is ["smart", "new-client", .. var clientArgs])
{
    return NewClientCommand.Run(clientArgs, Console.Out, Console.Error);
}

var builder = WebApplication.CreateBuilder(args);
if (!string.Equals(builder.Configuration["Validation:Mode"], nameof(ValidationMode.Off), StringComparison.OrdinalIgnoreCase))
{
    // Core R4 is indexed while the host builds, migrates and loads the IG package: the validator warm-up that
    // readiness waits for starts after all that and would otherwise begin with it.
    CoreSpecification.Preload();
}

builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = builder.Configuration.MaxRequestBodyBytes());
builder.Services.AddProblemDetails();
builder.Services.AddExceptionHandler<OperationOutcomeExceptionHandler>();
builder.Services.AddFhirCore();
builder.Services.AddOptions<FhirKetamine.Core.Safety.SafetyOptions>().BindConfiguration("Safety");
builder.Services.AddFhirValidation();
builder.Services.AddFhirStorage(builder.Configuration, builder.Environment);
builder.Services.AddCallerAccess(builder.Configuration);
builder.Services.AddFhirRouting();
builder.Services.AddBulkExport(builder.Configuration, builder.Environment);
builder.Services.AddSearchAdministration();
builder.Services.AddRequestHardening();
builder.Services.AddProgressApp(builder.Configuration);
builder.Services.AddSubscriptions(builder.Configuration);
builder.Services.AddFhirAudit();
builder.Services.AddHealthChecks().AddDbContextCheck<FhirKetamine.Core.Storage.FhirDbContext>(tags: ["ready"]);

var app = builder.Build();
await app.Services.MigrateFhirStorageAsync(app.Lifetime.ApplicationStopping);
app.Services.StartValidatorWarmUp(app.Lifetime.ApplicationStopping);
await app.Services.LoadStoredSearchParametersAsync(app.Lifetime.ApplicationStopping);
app.UseExceptionHandler();
app.UseStatusCodePages(OperationOutcomeExceptionHandler.WriteStatusCodeAsync);
app.UseBrowserHardening();
app.UseProgressApp();
app.UseFhirAudit();
app.UseCallerAccess();
app.UseRequestLimits();
app.MapFhirHealthChecks();
app.MapSmartEndpoints(app.Configuration);
app.MapSubscriptionWebSocket();
app.MapFhirEndpoints();
await app.RunAsync();
return 0;

/// <summary>The entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;