using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using OpsCentre.Database;
using OpsCentre.Grains;
using OpsCentre.Silo;
using OpsCentre.ServiceDefaults;

namespace OpsCentre.Gateway.Hosting;

/// <summary>Cross-cutting HTTP plumbing: database access, errors as RFC 9457 problem details, request limits.</summary>
public static class GatewayHosting
{
    /// <summary>
    /// How the gateway reaches the grains. By default as an Orleans client of the cluster's silos.
    /// With <c>Gateway:HostSilo=true</c> the gateway process is itself a silo of the cluster (same
    /// configuration as <c>src/Silo</c>: <c>Orleans:SiloPort</c>, <c>Orleans:GatewayPort</c>): a request's
    /// grain calls and the screens' notifications then stay in the process, with no network hop and no
    /// serialisation. Suits a single machine; with several gateways behind a load balancer, keep them
    /// clients, so that restarting one is not a silo failure.
    /// </summary>
    public static IHostApplicationBuilder AddOpsCentreCluster(this IHostApplicationBuilder builder)
    {
        if (!builder.Configuration.GetValue<bool>("Gateway:HostSilo"))
        {
            builder.AddProviderQueriesCheck(OrleansQueryCatalog.Clustering);
            return builder.AddOpsCentreClusterClient();
        }

        builder.AddProviderQueriesCheck(OrleansQueryCatalog.Silo);
        builder.UseOrleans(silo => silo.AddOpsCentreSilo(builder.Configuration));
        return builder;
    }

    /// <summary>
    /// One pooled PostgreSQL data source on the application role, the stores the API reads and writes
    /// directly, and the API's own services over them (audited reads, reporting, visits, audited administrative changes).
    /// </summary>
    public static IHostApplicationBuilder AddOpsCentreDatabase(this IHostApplicationBuilder builder)
    {
        var connectionString = ClusterSettings.ConnectionString(builder.Configuration);
        // TryAdd: a gateway that hosts its silo has these already, from the grains' services.
        builder.Services.TryAddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        builder.Services.AddOpsCentreStores();
        // The silo binds them too; a gateway checks a status's time window with the same settings.
        builder.Services.AddOptions<Grains.Devices.DeviceOptions>().BindConfiguration(Grains.Devices.DeviceOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<Grains.Map.MapOptions>().BindConfiguration(Grains.Map.MapOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        // The gateway reads Notifications:AllowedHosts when a subscription is made (the silos' dispatchers check again when sending).
        builder.Services.AddOptions<Grains.Notifications.NotificationOptions>().BindConfiguration(Grains.Notifications.NotificationOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<KeyPersons.PersonalDataReads>();
        builder.Services.AddSingleton<KeyPersons.VisitRecording>();
        builder.Services.AddSingleton<Incidents.IncidentReporting>();
        builder.Services.AddSingleton<Devices.SubjectDirectory>();
        builder.Services.AddSingleton<Database.Administration.AdminChanges>();
        builder.Services.AddSingleton<Database.Collections.CollectionRecords>();
        builder.Services.AddSingleton<Collections.CollectionReview>();
        builder.Services.AddSingleton<Database.Collections.PaperForms>();
        return builder;
    }

    /// <summary>The setting that lists the reverse proxies whose <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> are believed.</summary>
    public const string KnownProxiesSetting = "Gateway:KnownProxies";

    /// <summary>
    /// Behind a reverse proxy (docs/operations.md, "Behind a reverse proxy"): the proxies' addresses in
    /// <c>Gateway:KnownProxies</c> (IP addresses; empty by default: headers are ignored and the peer's address is the
    /// client's). A request from one of them takes its client address and scheme from the forwarded headers, so the
    /// limits per address and the audit see the caller, not the proxy; from anyone else the headers are ignored.
    /// </summary>
    public static IHostApplicationBuilder AddOpsCentreForwardedHeaders(this IHostApplicationBuilder builder)
    {
        var proxies = builder.Configuration.GetSection(KnownProxiesSetting).Get<string[]>() ?? [];
        var addresses = proxies.Select(p => System.Net.IPAddress.TryParse(p, out var address) ? address
            : throw new InvalidOperationException($"{KnownProxiesSetting} must list IP addresses; '{p}' is not one")).ToList();
        builder.Services.Configure<Microsoft.AspNetCore.Builder.ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedFor | Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedProto;
            // Only the proxies named: not even loopback by default, so a local caller cannot claim another address.
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            foreach (var address in addresses)
            {
                o.KnownProxies.Add(address);
            }
        });
        return builder;
    }

    /// <summary>Forwarded headers from <see cref="KnownProxiesSetting"/>, first in the pipeline; nothing when no proxy is named.</summary>
    public static void UseOpsCentreForwardedHeaders(this WebApplication app)
    {
        if (app.Configuration.GetSection(KnownProxiesSetting).Get<string[]>() is { Length: > 0 })
        {
            app.UseForwardedHeaders();
        }
    }

    /// <summary>
    /// Every error answer is a problem details document; PostgreSQL or the cluster out of reach is 503
    /// with <c>Retry-After</c>, never 500 (<see cref="UnavailableExceptionHandler"/>); request bodies are
    /// capped at <c>Gateway:MaxRequestBodyBytes</c> (default 1 MiB), answered 413.
    /// </summary>
    public static IHostApplicationBuilder AddOpsCentreHttpDefaults(this IHostApplicationBuilder builder)
    {
        // The request's W3C trace id: the one its log lines carry (@tr) and its trace, if sampled, has.
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
            context.ProblemDetails.Extensions["traceId"] = System.Diagnostics.Activity.Current is { } activity
                ? activity.TraceId.ToHexString()
                : context.HttpContext.TraceIdentifier);
        builder.Services.AddExceptionHandler<UnstorableTextHandler>();
        builder.Services.AddSingleton<UnavailableFailures>();
        builder.Services.AddExceptionHandler<UnavailableExceptionHandler>();
        var maxBody = builder.Configuration.GetValue<long>("Gateway:MaxRequestBodyBytes", 1024 * 1024);
        builder.Services.Configure<KestrelServerOptions>(o => o.Limits.MaxRequestBodySize = maxBody);
        builder.Services.Configure<FormOptions>(o => o.MultipartBodyLengthLimit = maxBody);
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase;
            o.SerializerOptions.Converters.Add(new NoNulStrings());
        });
        return builder;
    }

    /// <summary>
    /// The level of a request's log line: devices' successful statuses are routine machine traffic at
    /// thousands per second and log at Debug (off by default); so do answers that say when to try again
    /// (429 over a limit, 503 while PostgreSQL or the cluster is out of reach, both with
    /// <c>Retry-After</c>): a flood or an outage would otherwise write a line per request, and each is
    /// logged where it is decided (a lockout when it begins, an outage when it begins and ends). Other
    /// requests log at Information, client errors at Warning, failures at Error.
    /// </summary>
    public static Serilog.Events.LogEventLevel RequestLogLevel(HttpContext context, double elapsedMs, Exception? exception) =>
        exception is null && context.Response.Headers.RetryAfter.Count > 0 ? Serilog.Events.LogEventLevel.Debug
        : exception is not null || context.Response.StatusCode >= 500 ? Serilog.Events.LogEventLevel.Error
        : context.Response.StatusCode >= 400 ? Serilog.Events.LogEventLevel.Warning
        : context.Request.Path.StartsWithSegments("/api/v1/device/status") ? Serilog.Events.LogEventLevel.Debug
        : Serilog.Events.LogEventLevel.Information;
}
