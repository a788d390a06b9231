using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Npgsql;
using OpsCentre.ServiceDefaults;

namespace OpsCentre.Gateway.Hosting;

/// <summary>Cross-cutting HTTP plumbing: database access, errors as RFC 9457 problem details, request limits.</summary>
public static class GatewayHosting
{
    /// <summary>One pooled PostgreSQL data source on the application role, and the stores the API reads and writes directly.</summary>
    public static IHostApplicationBuilder AddOpsCentreDatabase(this IHostApplicationBuilder builder)
    {
        var connectionString = ClusterSettings.ConnectionString(builder.Configuration);
        builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        builder.Services.AddSingleton<Grains.Alerts.AlertRuleStore>();
        builder.Services.AddSingleton<Grains.Incidents.IncidentCatalog>();
        builder.Services.AddSingleton<Grains.Incidents.IncidentKpis>();
        builder.Services.AddSingleton<Grains.Map.GridLocator>();
        return builder;
    }

    /// <summary>
    /// Every error answer is a problem details document; request bodies are capped at
    /// <c>Gateway:MaxRequestBodyBytes</c> (default 1 MiB), answered 413.
    /// </summary>
    public static IHostApplicationBuilder AddOpsCentreHttpDefaults(this IHostApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
            context.ProblemDetails.Extensions["traceId"] = context.HttpContext.TraceIdentifier);
        var maxBody = builder.Configuration.GetValue<long>("Gateway:MaxRequestBodyBytes", 1024 * 1024);
        builder.Services.Configure<KestrelServerOptions>(o => o.Limits.MaxRequestBodySize = maxBody);
        builder.Services.Configure<FormOptions>(o => o.MultipartBodyLengthLimit = maxBody);
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase);
        return builder;
    }

    /// <summary>
    /// The level of a request's log line: devices' successful statuses are routine machine traffic at
    /// thousands per second and log at Debug (off by default); other requests at Information, client
    /// errors at Warning, failures at Error.
    /// </summary>
    public static Serilog.Events.LogEventLevel RequestLogLevel(HttpContext context, double elapsedMs, Exception? exception) =>
        exception is not null || context.Response.StatusCode >= 500 ? Serilog.Events.LogEventLevel.Error
        : context.Response.StatusCode >= 400 ? Serilog.Events.LogEventLevel.Warning
        : context.Request.Path.StartsWithSegments("/api/v1/device/status") ? Serilog.Events.LogEventLevel.Debug
        : Serilog.Events.LogEventLevel.Information;
}
