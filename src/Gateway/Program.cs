using OpsCentre.Gateway.Health;
using OpsCentre.Gateway.Hosting;
using OpsCentre.ServiceDefaults;
using Serilog;

OpsCentreLogging.CreateBootstrapLogger();
try
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddOpsCentreLogging("gateway");
    builder.AddOpsCentreClusterClient();
    builder.AddOpsCentreDatabase();
    builder.AddOpsCentreHttpDefaults();
    builder.Services.AddOpenApi();
    builder.Services.AddOpsCentreHealthChecks();
    builder.Services.AddAuthorization();

    var app = builder.Build();
    app.UseSerilogRequestLogging();
    app.UseExceptionHandler();
    app.UseStatusCodePages();
    app.UseDefaultFiles();
    app.UseStaticFiles();
    app.UseAuthorization();

    app.MapOpenApi().AllowAnonymous();
    app.MapHealthApi();

    await app.RunAsync();
    return 0;
}
catch (Exception ex) when (ex is not OperationCanceledException and not HostAbortedException)
{
    Log.Fatal(ex, "Gateway terminated unexpectedly");
    return 1;
}
finally
{
    await Log.CloseAndFlushAsync();
}
