using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace OpsCentre.ServiceDefaults;

/// <summary>
/// Hands out one logger per category. Serilog's logger factory builds a new logger on every
/// <c>CreateLogger</c> — with its own enricher and event-id cache (a concurrent dictionary) — and
/// ASP.NET Core creates its authentication handlers per request, each asking for its logger, a
/// logger per request on the ingest path (docs/benchmarks.md, "Measured reasons in the code").
/// Loggers are thread-safe and categories are few, so one per category
/// serves every caller. Disposing disposes the inner factory (it flushes Serilog's sinks).
/// </summary>
public sealed class CachingLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    private readonly ConcurrentDictionary<string, ILogger> _loggers = new(StringComparer.Ordinal);

    public ILogger CreateLogger(string categoryName) => _loggers.GetOrAdd(categoryName, inner.CreateLogger);

    public void AddProvider(ILoggerProvider provider)
    {
        // Loggers already handed out would not see the new provider.
        _loggers.Clear();
        inner.AddProvider(provider);
    }

    public void Dispose() => inner.Dispose();
}
