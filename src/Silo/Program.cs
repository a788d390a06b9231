using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpsCentre.Database;
using OpsCentre.ServiceDefaults;
using OpsCentre.Silo;
using OpsCentre.Silo.Health;
using Serilog;

OpsCentreLogging.CreateBootstrapLogger();
try
{
    var builder = Host.CreateApplicationBuilder(args);
    builder.AddOpsCentreLogging("silo");
    builder.AddOpsCentreTelemetry("silo");
    builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));

    // Registered before UseOrleans so it runs first: a schema that is behind fails here, clearly.
    builder.AddProviderQueriesCheck(OrleansQueryCatalog.Silo);
    // Before UseOrleans too, so a supervisor sees "not active" (503) while the silo joins, not a closed port.
    builder.AddOpsCentreSiloHealth();
    builder.UseOrleans(silo => silo.AddOpsCentreSilo(builder.Configuration));

    await builder.Build().RunAsync();
    return 0;
}
catch (Exception ex) when (ex is not OperationCanceledException)
{
    Log.Fatal(ex, "Silo terminated unexpectedly");
    return 1;
}
finally
{
    await Log.CloseAndFlushAsync();
}
