using Microsoft.Extensions.Hosting;
using OpsCentre.Database;

namespace OpsCentre.Silo;

/// <summary>The connection and the query keys that must be present before the silo starts.</summary>
public sealed record ProviderQueriesCheck(string ConnectionString, IReadOnlyList<string> Keys);

/// <summary>Runs <see cref="OrleansQueryCatalog.AssertPresentAsync"/> ahead of the Orleans silo.</summary>
internal sealed class ProviderQueriesCheckService(ProviderQueriesCheck check) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) =>
        OrleansQueryCatalog.AssertPresentAsync(check.ConnectionString, check.Keys, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
