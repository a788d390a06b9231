using Microsoft.Extensions.Logging;

namespace OpsCentre.Grains.Tests;

/// <summary>
/// Writes the test silos' warnings and errors to <c>silo-warnings.log</c> beside the test assembly, so a
/// failure inside a one-way call or a timer (which no test sees directly) leaves a trace to read.
/// </summary>
public sealed class WarningLog : ILoggerProvider
{
    private readonly StreamWriter _writer;

    public WarningLog(string path)
    {
        _writer = new StreamWriter(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
    }

    public static string PathBesideTests => System.IO.Path.Combine(AppContext.BaseDirectory, "silo-warnings.log");

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose() => _writer.Dispose();

    private void Write(string line)
    {
        lock (_writer)
        {
            _writer.WriteLine(line);
        }
    }

    private sealed class Logger(WarningLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                log.Write($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : Environment.NewLine + exception)}");
            }
        }
    }
}
