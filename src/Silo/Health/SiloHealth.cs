using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace OpsCentre.Silo.Health;

/// <summary>Where the silo answers <c>/health/live</c> and <c>/health/ready</c> (<c>Silo:HealthUrl</c>).</summary>
public sealed class SiloHealthOptions
{
    public const string Section = "Silo";

    /// <summary>
    /// A loopback address such as <c>http://127.0.0.1:11180/</c>, for a supervisor or orchestrator on the
    /// same machine. Empty (the default): no listener, since several silos on one machine would need
    /// distinct ports.
    /// </summary>
    public string? HealthUrl { get; set; }

    /// <summary>Whether <see cref="HealthUrl"/> is empty or an http address on a loopback host.</summary>
    public bool IsValid() =>
        string.IsNullOrEmpty(HealthUrl)
        || (Uri.TryCreate(HealthUrl, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttp
            && (uri.IsLoopback || uri.Host == "localhost") && uri.AbsolutePath == "/");
}

/// <summary>The silo's health: the checks readiness runs and the small HTTP listener that answers them.</summary>
public static class SiloHealth
{
    private const string ReadyTag = "ready";

    /// <summary>
    /// Readiness of a silo: PostgreSQL answers (<c>database</c>), this silo is active in the membership
    /// (<c>membership</c>), its map is loaded (<c>map</c>); served at <c>Silo:HealthUrl</c> when set.
    /// </summary>
    public static IHostApplicationBuilder AddOpsCentreSiloHealth(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SiloHealthOptions>()
            .BindConfiguration(SiloHealthOptions.Section)
            .Validate(o => o.IsValid(), "Silo:HealthUrl must be an http address on a loopback host with no path, such as http://127.0.0.1:11180/")
            .ValidateOnStart();
        builder.Services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: [ReadyTag], timeout: TimeSpan.FromSeconds(5))
            .AddCheck<MembershipHealthCheck>("membership", tags: [ReadyTag])
            .AddCheck<MapHealthCheck>("map", tags: [ReadyTag], timeout: TimeSpan.FromSeconds(10));
        builder.Services.AddHostedService<SiloHealthListener>();
        return builder;
    }

    internal static bool IsReadinessCheck(HealthCheckRegistration check) => check.Tags.Contains(ReadyTag);
}

/// <summary>Answers <c>GET /health/live</c> (200 while the process runs) and <c>GET /health/ready</c> (200 or 503 with <see cref="HealthReportBody"/>) on <c>Silo:HealthUrl</c>.</summary>
internal sealed partial class SiloHealthListener(IOptions<SiloHealthOptions> options, HealthCheckService checks, ILogger<SiloHealthListener> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var url = options.Value.HealthUrl;
        if (string.IsNullOrEmpty(url))
        {
            return;
        }

        using var listener = new HttpListener();
        listener.Prefixes.Add(url);
        listener.Start();
        LogListening(url);
        await using var stop = stoppingToken.Register(listener.Stop);
        while (!stoppingToken.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException && stoppingToken.IsCancellationRequested)
            {
                break;
            }

            // One at a time is enough for a supervisor's probes; a slow check delays only the next probe.
            await AnswerAsync(context, stoppingToken);
        }
    }

    private async Task AnswerAsync(HttpListenerContext context, CancellationToken cancellationToken)
    {
        var response = context.Response;
        try
        {
            var path = context.Request.Url?.AbsolutePath;
            if (context.Request.HttpMethod is not ("GET" or "HEAD") || path is not ("/health/live" or "/health/ready"))
            {
                response.StatusCode = 404;
                return;
            }

            var report = await checks.CheckHealthAsync(
                path == "/health/ready" ? SiloHealth.IsReadinessCheck : _ => false, cancellationToken);
            response.StatusCode = HealthReportBody.StatusCode(report);
            response.ContentType = "application/json";
            response.Headers["Cache-Control"] = "no-store";
            await JsonSerializer.SerializeAsync(response.OutputStream, HealthReportBody.From(report), JsonSerializerOptions.Web, cancellationToken);
        }
        catch (Exception ex) when (ex is HttpListenerException or IOException or OperationCanceledException)
        {
            // The prober went away or the silo is stopping: nothing to answer.
        }
        finally
        {
            response.Close();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Silo health at {Url}health/live and {Url}health/ready")]
    private partial void LogListening(string url);
}
