using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace FhirKetamine.Bench.Load;

/// <summary>Where things are: the repository root, the server build, bench/cache and a temp folder per run.</summary>
internal static class Workspace
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string CacheDir => Directory.CreateDirectory(Path.Combine(RepoRoot, "bench", "cache")).FullName;

    public static string DefaultServerDll =>
        Path.Combine(RepoRoot, "src", "FhirKetamine.Server", "bin", "Release", "net10.0", "FhirKetamine.Server.dll");

    public static string NewTempDir(string prefix) =>
        Directory.CreateTempSubdirectory($"fhirketamine-{prefix}-").FullName;

    /// <summary>
    /// A short hash of the storage schema (the SQLite migrations, or the Core storage model when there
    /// are none yet), so that a cached database built by an older schema is never reused.
    /// </summary>
    public static string SchemaKey()
    {
        var migrations = Path.Combine(RepoRoot, "src", "FhirKetamine.Storage.Sqlite", "Migrations");
        var folder = Directory.Exists(migrations) ? migrations : Path.Combine(RepoRoot, "src", "FhirKetamine.Core", "Storage");
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            sha.AppendData(Encoding.UTF8.GetBytes(Path.GetRelativePath(folder, file)));
            sha.AppendData(File.ReadAllBytes(file));
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset())[..10];
    }

    /// <summary>Builds the server in Release (unless told not to) and returns the dll to run.</summary>
    public static async Task<string> EnsureServerBuiltAsync(string? serverDll, bool build, CancellationToken ct)
    {
        // Absolute: the server process starts in the DLL's folder, where a relative path no longer names it.
        var dll = serverDll is null ? DefaultServerDll : Path.GetFullPath(serverDll);
        if (build && serverDll is null)
        {
            Console.WriteLine("Building src/FhirKetamine.Server (Release) ...");
            var psi = new ProcessStartInfo("dotnet", ["build", Path.Combine(RepoRoot, "src", "FhirKetamine.Server"), "-c", "Release", "--nologo", "-v", "q", "-clp:ErrorsOnly"])
            {
                UseShellExecute = false,
            };
            using var process = Process.Start(psi)!;
            await process.WaitForExitAsync(ct);
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException("The server did not build (see above).");
            }
        }

        return File.Exists(dll) ? dll : throw new FileNotFoundException($"No server build at {dll}; build it or pass --server-dll.");
    }

    private static string FindRepoRoot()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "FhirKetamine.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("Run the bench inside the FhirKetamine repository (no FhirKetamine.sln found above).");
    }
}