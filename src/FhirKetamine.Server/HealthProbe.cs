namespace FhirKetamine.Server;

/// <summary>
/// <c>FhirKetamine.Server --healthcheck URL</c>: exits 0 when the URL answers 2xx. The runtime image has
/// no curl, so the Dockerfile's HEALTHCHECK runs the server binary itself in this mode.
/// </summary>
internal static class HealthProbe
{
    public static async Task<int> RunAsync(string url)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(4) };
        try
        {
            using var response = await client.GetAsync(new Uri(url));
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (HttpRequestException)
        {
            return 1;
        }
        catch (TaskCanceledException)
        {
            return 1;
        }
    }
}
