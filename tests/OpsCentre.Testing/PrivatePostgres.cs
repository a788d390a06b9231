using System.Diagnostics;
using Npgsql;
using OpsCentre.Database;

namespace OpsCentre.Testing;

/// <summary>
/// The test run's real PostgreSQL. The test command starts one server for the whole run and passes
/// its superuser connection in <c>OPSCENTRE_TEST_ADMIN_CONNECTION</c>; without it (a lone
/// <c>dotnet test</c>), this starts a private server with <c>scripts/postgres.sh</c> in a temp folder
/// and stops it on dispose. Each test assembly gets its own database, provisioned and migrated
/// exactly as production is.
/// </summary>
public sealed class PrivatePostgres : IAsyncDisposable
{
    private readonly string? _ownedDirectory;
    private readonly int _port;

    private PrivatePostgres(string adminConnectionString, string? ownedDirectory, int port = 0)
    {
        AdminConnectionString = adminConnectionString;
        _ownedDirectory = ownedDirectory;
        _port = port;
    }

    /// <summary>The superuser connection to the server (database <c>postgres</c>).</summary>
    public string AdminConnectionString { get; }

    public static async Task<PrivatePostgres> StartAsync()
    {
        if (Environment.GetEnvironmentVariable("OPSCENTRE_TEST_ADMIN_CONNECTION") is { Length: > 0 } shared)
        {
            return new PrivatePostgres(shared, ownedDirectory: null);
        }

        return await StartOwnAsync();
    }

    /// <summary>
    /// A server of the caller's own in a temp folder, never the run's shared one: for a test that stops
    /// and starts it (<see cref="StopServerAsync"/>, <see cref="StartServerAsync"/>). Stopped and
    /// deleted on dispose.
    /// </summary>
    public static async Task<PrivatePostgres> StartOwnAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), "opscentre-test-pg-" + Guid.NewGuid().ToString("N")[..8]);
        var port = FreePort.Next();
        await RunScriptAsync("start", directory, port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var url = await RunScriptAsync("url", directory);
        return new PrivatePostgres(url.Trim(), directory, port);
    }

    /// <summary>Stops the server (a fast shutdown: sessions are ended, what was committed stays). Only for a server of one's own.</summary>
    public Task StopServerAsync() => RunScriptAsync("stop", OwnDirectory);

    /// <summary>Starts the stopped server again on the same port, with the same data.</summary>
    public Task StartServerAsync() => RunScriptAsync("start", OwnDirectory, _port.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private string OwnDirectory => _ownedDirectory ?? throw new InvalidOperationException("this is the test run's shared server; start one of your own (StartOwnAsync)");

    /// <summary>A fresh database <paramref name="name"/> (dropped first if a previous run left it), migrated.</summary>
    public async Task<ProvisionedDatabase> CreateDatabaseAsync(string name)
    {
        await DropDatabaseAsync(name);
        var database = await DatabaseProvisioner.ProvisionAsync(AdminConnectionString, name, "owner-" + name, "app-" + name);
        await new SchemaMigrator().MigrateAsync(database.OwnerConnectionString, database.AppRole);
        return database;
    }

    public async Task DropDatabaseAsync(string name)
    {
        DatabaseNames.EnsureIdentifier(name);
        await using var admin = new NpgsqlConnection(AdminConnectionString);
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_ownedDirectory is not null)
        {
            await RunScriptAsync("stop", _ownedDirectory);
            Directory.Delete(_ownedDirectory, recursive: true);
        }
    }

    private static async Task<string> RunScriptAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(RepositoryPaths.Root, "scripts", "postgres.sh"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["OPSCENTRE_PG_FAST"] = "1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0
            ? await output
            : throw new InvalidOperationException($"postgres.sh {string.Join(' ', arguments)} failed: {await error}");
    }
}
