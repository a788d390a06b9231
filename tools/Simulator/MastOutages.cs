namespace OpsCentre.Simulator;

/// <summary>
/// A mast down, on request: while a unit code (a grid, a community, a street…) is listed in <c>&lt;data&gt;/dark</c>, one code a
/// line, the phones of the workers assigned within it have no signal and send nothing; remove the line and they report again.
/// The file is read again every few seconds, so an outage starts and ends while the simulator runs (docs/alerts.md,
/// "Inhibition by hierarchy": most phones of a community silent raise one community alert that inhibits theirs).
/// </summary>
public sealed class MastOutages(string dataDirectory)
{
    private static readonly TimeSpan ReadEvery = TimeSpan.FromSeconds(3);
    private readonly string _file = Path.Combine(dataDirectory, "dark");
    private readonly System.Diagnostics.Stopwatch _sinceRead = new();
    private string[] _dark = [];

    /// <summary>Whether the unit a worker is assigned to lies within a listed one.</summary>
    public bool IsDark(string? gridCode)
    {
        if (!_sinceRead.IsRunning || _sinceRead.Elapsed >= ReadEvery)
        {
            _sinceRead.Restart();
            _dark = File.Exists(_file)
                ? [.. File.ReadAllLines(_file).Select(l => l.Trim()).Where(l => l.Length >= 4 && l.All(char.IsAsciiDigit))]
                : [];
        }

        return gridCode is not null && _dark.Length > 0 && _dark.Any(code => gridCode.StartsWith(code, StringComparison.Ordinal));
    }
}
