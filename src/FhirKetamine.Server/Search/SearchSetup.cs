using FhirKetamine.Core.Search.Reindex;

namespace FhirKetamine.Server.Search;

/// <summary>Registers what keeps the search index in step with stored SearchParameters: the registry refresh and <c>$reindex</c>.</summary>
internal static class SearchSetup
{
    public static IServiceCollection AddSearchAdministration(this IServiceCollection services)
    {
        services.AddSingleton<SearchParameterRefresh>();
        services.AddHostedService(sp => sp.GetRequiredService<SearchParameterRefresh>());
        services.AddSingleton<ReindexSignal>();
        services.AddScoped<ReindexJobs>();
        services.AddHostedService<ReindexWorker>();
        return services;
    }

    /// <summary>Hands every stored SearchParameter to the registry before the first request (after the IG package is loaded).</summary>
    public static Task LoadStoredSearchParametersAsync(this IServiceProvider services, CancellationToken ct) =>
        services.GetRequiredService<SearchParameterRefresh>().RefreshAsync(ct);
}
