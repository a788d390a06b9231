using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Npgsql;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace OpsCentre.ServiceDefaults;

/// <summary>OpenTelemetry in an OpsCentre process (section <c>Telemetry</c>; docs/operations.md, "Metrics" and "Traces").</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>Metrics and traces at all. Default true; false leaves the process without instruments' listeners and <c>/metrics</c>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The share of requests (root spans) whose traces are recorded, 0 to 1; a span whose caller sampled it is always
    /// recorded (parent-based), so a trace is whole or absent. Default 0.01.
    /// </summary>
    public double TraceSampleRatio { get; set; } = 0.01;

    /// <summary>
    /// An OTLP collector's base address (<c>http://collector:4318</c> for <c>http/protobuf</c>, <c>http://collector:4317</c>
    /// for <c>grpc</c>): traces and metrics are exported there. Empty (the default): no OTLP export.
    /// </summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary><c>http/protobuf</c> (the default) or <c>grpc</c>.</summary>
    public string OtlpProtocol { get; set; } = "http/protobuf";

    /// <summary>
    /// A loopback address such as <c>http://127.0.0.1:9464/</c> where a Prometheus scraper on the same machine reads
    /// <c>/metrics</c> without signing in. Empty (the default): none; the gateway's <c>GET /metrics</c> answers city
    /// administrators on its own port either way.
    /// </summary>
    public string? ScrapeUrl { get; set; }

    /// <summary>
    /// Orleans' instruments that record once per message or grain call (<see cref="OpsCentreTelemetry.PerMessageInstruments"/>:
    /// message sizes, dispatcher and gateway counts, request latency, directory lookups). Default true; false drops them
    /// (their measurements are not taken at all), keeping every other Orleans, ASP.NET Core, Npgsql, runtime and OpsCentre metric.
    /// </summary>
    public bool PerMessageMetrics { get; set; } = true;

    /// <summary>What is wrong with these settings, naming the setting; null when nothing is.</summary>
    public string? Problem() =>
        TraceSampleRatio is not (>= 0 and <= 1) || double.IsNaN(TraceSampleRatio) ? $"{Section}:TraceSampleRatio must be between 0 and 1 (it is {TraceSampleRatio})"
        : !string.IsNullOrEmpty(OtlpEndpoint) && !(Uri.TryCreate(OtlpEndpoint, UriKind.Absolute, out var otlp) && otlp.Scheme is "http" or "https")
            ? $"{Section}:OtlpEndpoint must be an http or https address such as http://collector:4318 (it is '{OtlpEndpoint}')"
        : OtlpProtocol is not ("http/protobuf" or "grpc") ? $"{Section}:OtlpProtocol must be http/protobuf or grpc (it is '{OtlpProtocol}')"
        : !string.IsNullOrEmpty(ScrapeUrl) && !(Uri.TryCreate(ScrapeUrl, UriKind.Absolute, out var scrape) && scrape.Scheme == Uri.UriSchemeHttp
            && (scrape.IsLoopback || scrape.Host == "localhost") && scrape.AbsolutePath == "/")
            ? $"{Section}:ScrapeUrl must be an http address on a loopback host with no path, such as http://127.0.0.1:9464/ (it is '{ScrapeUrl}')"
        : null;
}

/// <summary>Metrics and traces, configured the same way in the silo and the gateway.</summary>
public static class OpsCentreTelemetry
{
    /// <summary>OpsCentre's own meter (<c>OpsCentre.Grains.OpsCentreMetrics.MeterName</c>).</summary>
    public const string OpsCentreMeter = "OpsCentre";

    /// <summary>
    /// The meters exported: ASP.NET Core's (requests, Kestrel, SignalR's connections, routing, rate limiting, sign-in),
    /// Orleans', Npgsql's, the runtime's (GC, thread pool, JIT) and OpsCentre's own.
    /// </summary>
    public static readonly string[] Meters =
    [
        "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Http.Connections",
        "Microsoft.AspNetCore.Routing", "Microsoft.AspNetCore.Diagnostics", "Microsoft.AspNetCore.RateLimiting",
        "Microsoft.AspNetCore.Authentication", "Microsoft.AspNetCore.Authorization", "Microsoft.AspNetCore.SignalR.Server",
        "Microsoft.Orleans", "System.Runtime", OpsCentreMeter,
    ];

    /// <summary>Orleans' instruments recorded per message or grain call (names with <c>*</c> as a wildcard), dropped unless <see cref="TelemetryOptions.PerMessageMetrics"/>.</summary>
    public static readonly string[] PerMessageInstruments =
    [
        "orleans-messaging-*", "orleans-gateway-received", "orleans-gateway-sent", "orleans-app-requests-latency", "orleans-directory-lookups-*",
    ];

    /// <summary>Orleans' activity sources: a grain call's client and server spans (with <c>AddActivityPropagation</c>).</summary>
    public static readonly string[] OrleansSources = ["Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application"];

    /// <summary>Whether <see cref="TelemetryOptions.Enabled"/> holds for this configuration (start-up validation judges the rest).</summary>
    public static bool IsEnabled(IConfiguration configuration) =>
        Read(configuration) is { Enabled: true } options && options.Problem() is null;

    /// <summary>
    /// Metrics (Prometheus, on the gateway's <c>/metrics</c> and at <see cref="TelemetryOptions.ScrapeUrl"/>; OTLP when
    /// configured) and traces sampled by <see cref="TelemetryOptions.TraceSampleRatio"/>, resource
    /// <c>service.name = opscentre-{process}</c>. Settings are validated at start-up: a bad one stops the process naming it.
    /// </summary>
    /// <param name="process"><c>silo</c> or <c>gateway</c>.</param>
    /// <param name="serveScrapeEndpoint">The gateway: also export to its <c>/metrics</c> endpoint.</param>
    public static IHostApplicationBuilder AddOpsCentreTelemetry(this IHostApplicationBuilder builder, string process, bool serveScrapeEndpoint = false)
    {
        builder.Services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<TelemetryOptions>, TelemetryOptionsValidation>();

        var options = Read(builder.Configuration);
        if (options is not { Enabled: true } || options.Problem() is not null)
        {
            // Off, or invalid: start-up validation stops the process with the message before anything would be exported.
            return builder;
        }

        var otlp = string.IsNullOrEmpty(options.OtlpEndpoint) ? null : new Uri(options.OtlpEndpoint.TrimEnd('/') + "/");
        var protocol = options.OtlpProtocol == "grpc" ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("opscentre-" + process, serviceInstanceId: $"{Environment.MachineName}:{Environment.ProcessId}"))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(Meters).AddNpgsqlInstrumentation();
                if (!options.PerMessageMetrics)
                {
                    foreach (var instrument in PerMessageInstruments)
                    {
                        metrics.AddView(instrument, MetricStreamConfiguration.Drop);
                    }
                }

                if (serveScrapeEndpoint)
                {
                    metrics.AddPrometheusExporter();
                }

                if (!string.IsNullOrEmpty(options.ScrapeUrl))
                {
                    var scrape = new Uri(options.ScrapeUrl);
                    metrics.AddPrometheusHttpListener(o =>
                    {
                        o.Host = scrape.Host;
                        o.Port = scrape.Port;
                    });
                }

                if (otlp is not null)
                {
                    metrics.AddOtlpExporter(o => Export(o, otlp, protocol, "v1/metrics"));
                }
            })
            .WithTracing(tracing =>
            {
                tracing
                    .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(options.TraceSampleRatio)))
                    .AddSource(OrleansSources)
                    .AddAspNetCoreInstrumentation(o => o.Filter = Traced)
                    .AddNpgsql();
                if (otlp is not null)
                {
                    tracing.AddOtlpExporter(o => Export(o, otlp, protocol, "v1/traces"));
                }
            });
        return builder;
    }

    private static TelemetryOptions? Read(IConfiguration configuration) =>
        configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();

    /// <summary>Scrapes and probes are not traced: they come every few seconds and say nothing about a request's path.</summary>
    private static bool Traced(HttpContext context) =>
        !context.Request.Path.StartsWithSegments("/metrics") && !context.Request.Path.StartsWithSegments("/health");

    private static void Export(OtlpExporterOptions exporter, Uri endpoint, OtlpExportProtocol protocol, string signalPath)
    {
        exporter.Protocol = protocol;
        // An endpoint set in code is used as it is: for http/protobuf the signal's path is part of it.
        exporter.Endpoint = protocol == OtlpExportProtocol.HttpProtobuf ? new Uri(endpoint, signalPath) : endpoint;
    }

    private sealed class TelemetryOptionsValidation : IValidateOptions<TelemetryOptions>
    {
        public ValidateOptionsResult Validate(string? name, TelemetryOptions options) =>
            options.Problem() is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
    }
}
