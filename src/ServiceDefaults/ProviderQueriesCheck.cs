using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpsCentre.Database;

namespace OpsCentre.ServiceDefaults;

/// <summary>The connection and the query keys that must be present before the silo starts.</summary>
public sealed record ProviderQueriesCheck(string ConnectionString, IReadOnlyList<string> Keys);

/// <summary>
/// Runs <see cref="OrleansQueryCatalog.AssertPresentAsync"/> ahead of Orleans, so a schema that is
/// behind this build fails start-up with one clear message. Register it before <c>UseOrleans</c>
/// / <c>UseOrleansClient</c>: hosted services start in registration order.
/// </summary>
internal sealed class ProviderQueriesCheckService(ProviderQueriesCheck check) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) =>
        OrleansQueryCatalog.AssertPresentAsync(check.ConnectionString, check.Keys, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

public static class ProviderQueriesCheckExtensions
{
    public static IHostApplicationBuilder AddProviderQueriesCheck(this IHostApplicationBuilder builder, IReadOnlyList<string> keys)
    {
        builder.Services.AddSingleton(new ProviderQueriesCheck(ClusterSettings.ConnectionString(builder.Configuration), keys));
        builder.Services.AddHostedService<ProviderQueriesCheckService>();
        return builder;
    }
}
