using FhirKetamine.Core.Operations;
using FhirKetamine.Core.Packages;
using FhirKetamine.Core.Progress;
using FhirKetamine.Core.Rest;
using FhirKetamine.Core.Rest.Patching;
using FhirKetamine.Core.Safety;
using FhirKetamine.Core.Search;
using FhirKetamine.Core.Storage;
using FhirKetamine.Core.Terminology;
using FhirKetamine.Core.Validation;

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FhirKetamine.Core;

/// <summary>Registers the FHIR engine: shared singletons (parser, registry, indexer) and the per-request interactions.</summary>
public static class CoreServices
{
    public static IServiceCollection AddFhirCore(this IServiceCollection services)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<FhirSerialization>();
        services.AddSingleton(_ => new SearchParameterRegistry());
        services.AddSingleton<UcumCanonicalizer>();
        services.AddSingleton<SearchIndexer>();
        services.AddSingleton<SearchQueryParser>();
        services.AddSingleton<SearchValueSets>();
        services.AddSingleton<ResourcePatcher>();
        services.AddSingleton<CapabilityStatementBuilder>();
        services.AddOptions<ValidationOptions>();
        services.AddSingleton<IConformanceStore, StoredConformanceResources>();
        services.AddSingleton<ResourceValidator>();
        services.AddSingleton<TerminologyOperations>();
        services.AddOptions<GroupCommitOptions>();
        services.AddSingleton<GroupCommitWriter>();
        services.AddScoped<SearchExecutor>();
        services.TryAddSingleton(new ReadReplicaOptions());
        services.AddScoped<ReadReplica>();
        services.AddScoped<ResourceInteractions>();
        services.AddScoped<BundleProcessor>();
        services.AddScoped<PackageLoader>();
        services.AddSingleton(_ => PatientCompartment.R4);
        services.AddScoped<PatientEverything>();
        services.AddScoped<KetamineProgress>();
        services.AddOptions<SafetyOptions>();
        services.AddSingleton<SafetyThresholds>();
        services.AddSingleton<SafetyLedger>();
        services.AddSingleton<DoseRules>();
        services.AddSingleton<ContraindicationRule>();
        services.AddSingleton<DischargeRule>();
        services.AddSingleton<IWriteHook, SafetyHook>();
        services.AddSingleton<IWritePreparer, SessionLinker>();
        return services;
    }
}