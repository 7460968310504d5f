using System.Text.RegularExpressions;

namespace FhirKetamine.Server.Tests.Packaging;

/// <summary>No Docker engine runs on CI machines, so the Dockerfile is checked for what can break silently.</summary>
public sealed partial class DockerfileTests
{
    private static readonly string Root = FindRoot();

    [Fact]
    public void Every_path_the_Dockerfile_copies_from_the_context_exists()
    {
        var copies = File.ReadAllLines(Path.Combine(Root, "Dockerfile"))
            .Where(l => l.StartsWith("COPY ", StringComparison.Ordinal) && !l.Contains("--from=", StringComparison.Ordinal))
            .SelectMany(l => l[5..].Split(' ', StringSplitOptions.RemoveEmptyEntries).SkipLast(1))
            .ToList();

        Assert.NotEmpty(copies);
        Assert.All(copies, source => Assert.True(
            File.Exists(Path.Combine(Root, source)) || Directory.Exists(Path.Combine(Root, source)), $"Dockerfile copies '{source}', which does not exist"));
    }

    [Fact]
    public void The_image_runs_as_non_root_on_8080_with_a_data_volume_and_a_readiness_healthcheck()
    {
        var dockerfile = File.ReadAllText(Path.Combine(Root, "Dockerfile"));

        Assert.Matches(UserLine(), dockerfile);
        Assert.Contains("EXPOSE 8080", dockerfile, StringComparison.Ordinal);
        Assert.Contains("VOLUME [\"/data\"]", dockerfile, StringComparison.Ordinal);
        Assert.Contains("/health/ready", dockerfile, StringComparison.Ordinal);
        Assert.Contains("FROM mcr.microsoft.com/dotnet/aspnet:10.0", dockerfile, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_healthcheck_mode_fails_when_nothing_answers()
    {
        Assert.Equal(1, await HealthProbe.RunAsync("http://127.0.0.1:9/health/ready"));
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "FhirKetamine.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Repository root not found.");
    }

    [GeneratedRegex(@"(?m)^USER (?!root)\w+")]
    private static partial Regex UserLine();
}
