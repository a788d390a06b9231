using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace OpsCentre.ServiceDefaults;

/// <summary>Serilog, configured the same way in every OpsCentre process (two-stage bootstrap).</summary>
public static class OpsCentreLogging
{
    private const string ConsoleTemplate = "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}";

    /// <summary>The first stage: a console logger for everything that happens before the host is built.</summary>
    public static void CreateBootstrapLogger() =>
        Log.Logger = new LoggerConfiguration()
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .WriteTo.Console(outputTemplate: ConsoleTemplate)
            .CreateBootstrapLogger();

    /// <summary>
    /// The second stage: levels and sinks from the <c>Serilog</c> configuration section, a console sink and a daily
    /// rolling file <c>{Logging:Directory}/{process}-yyyyMMdd.log</c>. The file is structured JSON by default
    /// (<c>Logging:FileFormat</c> <c>json</c>: Serilog's compact format with the rendered message, one event a line, each
    /// with its trace and span ids <c>@tr</c>/<c>@sp</c>), or <c>text</c>; the console is text for a person
    /// (<c>Logging:ConsoleFormat</c> <c>text</c>), or <c>json</c> for a container's log collector.
    /// </summary>
    /// <remarks>
    /// ASP.NET Core's own request-start lines print the full URL, query string included; a SignalR
    /// client sends its access token there, so those categories stay at Warning. Request logging is
    /// Serilog's, which logs the path only.
    /// </remarks>
    public static IHostApplicationBuilder AddOpsCentreLogging(this IHostApplicationBuilder builder, string process)
    {
        var options = builder.Configuration.GetSection(LoggingOptions.Section).Get<LoggingOptions>() ?? new LoggingOptions();
        builder.Services.AddOptions<LoggingOptions>().BindConfiguration(LoggingOptions.Section)
            .Validate(o => o.FileFormat is "json" or "text", "Logging:FileFormat must be json or text")
            .Validate(o => o.ConsoleFormat is "json" or "text", "Logging:ConsoleFormat must be json or text")
            .Validate(o => !string.IsNullOrWhiteSpace(o.Directory), "Logging:Directory must name a folder")
            .ValidateOnStart();
        builder.Services.AddSerilog((services, logger) =>
        {
            logger
                .MinimumLevel.Information()
                .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
                .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Information)
                // Off altogether (a level above Fatal): it writes only the request start and finish lines,
                // which Serilog's request logging replaces, and while it is enabled at all ASP.NET Core opens
                // a log scope for every request (measured: docs/benchmarks.md, "Measured reasons in the code").
                // The request's Activity is OpenTelemetry's now (docs/operations.md, "Traces").
                .MinimumLevel.Override("Microsoft.AspNetCore.Hosting.Diagnostics", LogEventLevel.Fatal + 1)
                .MinimumLevel.Override("Microsoft.AspNetCore.Http.Connections", LogEventLevel.Warning)
                .MinimumLevel.Override("Orleans", LogEventLevel.Warning)
                // Orleans' placement runs through a Polly pipeline that logs every execution at Information.
                .MinimumLevel.Override("Polly", LogEventLevel.Warning)
                // An outage of PostgreSQL is logged twice by DatabaseHealth (when it begins and ends), not
                // once per failed request, batch, activation or refresh by whoever meets it meanwhile.
                .Filter.ByExcluding(e => e.Exception is { } error && Database.DatabaseHealth.AnyOutage && Database.DatabaseHealth.IsUnreachable(error))
                .ReadFrom.Configuration(builder.Configuration)
                .ReadFrom.Services(services)
                .Enrich.FromLogContext()
                .Enrich.WithProperty("Process", process);
            var file = Path.Combine(options.Directory, process + "-.log");
            if (options.ConsoleFormat == "json")
            {
                logger.WriteTo.Console(new RenderedCompactJsonFormatter());
            }
            else
            {
                logger.WriteTo.Console(outputTemplate: ConsoleTemplate);
            }

            // Several silos or gateways on one machine may share the folder and the file.
            if (options.FileFormat == "json")
            {
                logger.WriteTo.File(new RenderedCompactJsonFormatter(), file, rollingInterval: RollingInterval.Day, retainedFileCountLimit: 14, shared: true);
            }
            else
            {
                logger.WriteTo.File(file, rollingInterval: RollingInterval.Day, retainedFileCountLimit: 14, shared: true,
                    outputTemplate: "{Timestamp:O} [{Level:u3}] {SourceContext}: {Message:lj} {TraceId} {SpanId}{NewLine}{Exception}");
            }
        });

        // Serilog's factory, behind one that keeps a logger per category (see CachingLoggerFactory).
        var serilogFactory = builder.Services.Last(d => d.ServiceType == typeof(ILoggerFactory));
        builder.Services.Remove(serilogFactory);
        builder.Services.AddSingleton<ILoggerFactory>(services => new CachingLoggerFactory(
            (ILoggerFactory)(serilogFactory.ImplementationInstance ?? serilogFactory.ImplementationFactory!(services))));
        return builder;
    }
}

/// <summary>Where and how an OpsCentre process writes its logs (section <c>Logging</c>).</summary>
public sealed class LoggingOptions
{
    public const string Section = "Logging";

    /// <summary>The folder of the daily log files. Default <c>logs</c> (beside the process's working folder).</summary>
    public string Directory { get; set; } = "logs";

    /// <summary><c>json</c> (the default: compact JSON, one event a line) or <c>text</c>.</summary>
    public string FileFormat { get; set; } = "json";

    /// <summary><c>text</c> (the default) or <c>json</c>.</summary>
    public string ConsoleFormat { get; set; } = "text";
}
