using FhirKetamine.Core.Rest;
using FhirKetamine.Core.Subscriptions;

using Microsoft.Extensions.Options;

namespace FhirKetamine.Server.Subscriptions;

/// <summary>Registers Subscriptions: <c>Subscriptions:*</c> options, the write hook that queues notifications, the delivery worker and the websocket endpoint.</summary>
internal static class SubscriptionSetup
{
    public static IServiceCollection AddSubscriptions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SubscriptionOptions>().BindConfiguration("Subscriptions")
            .Validate(o => o.MaxAttempts >= 1 && o.RetrySeconds >= 0 && o.MaxRetrySeconds >= o.RetrySeconds && o.LeaseSeconds >= 5
                    && o.BatchSize >= 1 && o.RequestTimeoutSeconds > 0 && o.PollMilliseconds >= 50,
                "Subscriptions: MaxAttempts and BatchSize at least 1, RetrySeconds at most MaxRetrySeconds, LeaseSeconds at least 5, PollMilliseconds at least 50, RequestTimeoutSeconds above 0.")
            .ValidateOnStart();
        services.AddSingleton<ActiveSubscriptions>();
        services.AddSingleton<SubscriptionSignal>();
        services.AddSingleton<SubscriptionSockets>();
        services.AddScoped<SubscriptionOutbox>();
        services.AddScoped<IWriteHook, SubscriptionHook>();
        services.AddHttpClient(SubscriptionWorker.HttpClientName, (sp, client) =>
            client.Timeout = TimeSpan.FromSeconds(sp.GetRequiredService<IOptions<SubscriptionOptions>>().Value.RequestTimeoutSeconds));
        if (configuration.GetValue("Subscriptions:DeliveryEnabled", true))
        {
            services.AddHostedService<SubscriptionWorker>();
        }

        return services;
    }

    public static void MapSubscriptionWebSocket(this WebApplication app)
    {
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
        app.Map(SubscriptionChannels.WebSocketPath, SubscriptionWebSocket.HandleAsync).WithName("subscription-websocket");
    }
}
