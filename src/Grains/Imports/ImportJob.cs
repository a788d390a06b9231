using Npgsql;
using OpsCentre.Database.Registries;

namespace OpsCentre.Grains.Imports;

/// <summary>The kinds of file an import job takes, and the lock each holds while it writes.</summary>
public static class ImportKinds
{
    /// <summary>The division list (区划): CSV <c>code,name</c>, the parent being the code's prefix.</summary>
    public const string Divisions = "divisions";

    /// <summary>The grid map: a GeoJSON FeatureCollection of unit polygons.</summary>
    public const string Map = "map";

    /// <summary>The grid workers' (网格员) roster: CSV or .xlsx.</summary>
    public const string Workers = "workers";

    /// <summary>The key persons' (重点人员) roster: CSV or .xlsx.</summary>
    public const string KeyPersons = "key-persons";

    /// <summary>The city model's kinds and then the six registries (六类网格基础信息库, <see cref="RegistryNames"/>): one file per registry.</summary>
    public static IReadOnlyList<string> All { get; } = [Divisions, Map, Workers, KeyPersons, .. RegistryNames.All];

    public static bool IsKnown(string? kind) => kind is not null && All.Contains(kind);

    /// <summary>A registry's file: written through the registries' write path under a source, scoped to a named unit like a roster.</summary>
    public static bool IsRegistry(string kind) => RegistryNames.IsKnown(kind);

    /// <summary>Rosters are scoped to a unit of any level; a division list or a map, too (to the units within it).</summary>
    public static bool IsRoster(string kind) => kind is Workers or KeyPersons;

    /// <summary>Imports of one table run one at a time (divisions and map share <c>unit_map</c>), so two files cannot interleave their diffs.</summary>
    public static long LockOf(string kind) => kind is Workers ? 0x696d_0002 : kind is KeyPersons ? 0x696d_0003
        : RegistryNames.IsKnown(kind) ? 0x696d_0010 + RegistryNames.All.ToList().IndexOf(kind) : 0x696d_0001;
}

/// <summary>The states of a job: queued → running → succeeded | failed.</summary>
public static class ImportStates
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
}

/// <summary>Why one line of a file was refused: its line (an Excel row, a map's feature number; 1 is the header), the field when one is at fault, the reason.</summary>
public sealed record ImportError(int Line, string? Field, string Reason);

/// <summary>What a job changed: rows added (new or back after an end), updated, ended, and those the file left as they were.</summary>
public sealed record ImportChanges(int Added, int Updated, int Ended, int Unchanged)
{
    public static ImportChanges None { get; } = new(0, 0, 0, 0);
}

/// <summary>An import job as a console shows it: its file, who sent it, where it stands, and what it found and changed.</summary>
/// <param name="Unit">The file's scope: rows outside it are refused; a roster's rows missing within it are ended.</param>
/// <param name="Errors">The first refused lines (at most <see cref="ImportJobStore.MaxErrors"/>); <see cref="Rejected"/> counts them all.</param>
/// <param name="Failure">Why a failed job failed as a whole: its refused lines, an unreadable file, or its gateway stopping.</param>
public sealed record ImportJob(
    Guid Id,
    string Kind,
    string Unit,
    string State,
    string FileName,
    string SubmittedBy,
    DateTimeOffset SubmittedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    int RowsRead,
    int Accepted,
    int Rejected,
    IReadOnlyList<ImportError> Errors,
    string? Failure,
    ImportChanges Changes)
{
    /// <summary>A registry job's source (来源); null for the city model's kinds.</summary>
    public string? Source { get; init; }
}

/// <summary>A file as submitted: what kind, for which unit, by whom (and their own unit), under which operation id.</summary>
/// <param name="Source">A registry file's source (来源), whose values its rows are; null for the city model's kinds.</param>
public sealed record ImportSubmission(string Kind, string Unit, string CallerUnit, string FileName, byte[] Content, string SubmittedBy, string OpId, string? Source = null);

/// <summary>What an importer is given: the job, its scope, the file, and the time of the run.</summary>
/// <param name="SubmittedBy">Who sent the file: a registry row's collector (采集人).</param>
/// <param name="Source">A registry file's source; null for the city model's kinds.</param>
public sealed record ImportInput(Guid JobId, string Kind, string Unit, string CallerUnit, byte[] Content, DateTimeOffset Now, string SubmittedBy = "", string? Source = null);

/// <summary>What an importer found: lines read and accepted, the refused lines (all of them) and, when none was refused, what it changed.</summary>
public sealed record ImportOutcome(int RowsRead, int Accepted, IReadOnlyList<ImportError> Errors, ImportChanges Changes)
{
    public bool Succeeded => Errors.Count == 0;

    /// <summary>Refused lines, each counted once however many of its fields were at fault.</summary>
    public int Rejected => Errors.Select(e => e.Line).Distinct().Count();

    /// <summary>A file refused whole, for a reason of its own (unreadable, wrong header): reported as one line.</summary>
    public static ImportOutcome Refused(int line, string? field, string reason) => new(0, 0, [new ImportError(line, field, reason)], ImportChanges.None);

    /// <summary>
    /// The grids whose registry dues (流动人口待续登记, 重点场所检查逾期) the job's writes may have changed — a written record's grid
    /// before and after — told to <see cref="ImportRunner.Committed"/> once the job's transaction is committed; empty for
    /// the kinds without dues.
    /// </summary>
    public IReadOnlyCollection<string> Grids { get; init; } = [];
}

/// <summary>Lines read and accepted so far, for the job's progress while it runs.</summary>
public sealed class ImportProgress
{
    private int _rowsRead;
    private int _accepted;
    private int _rejected;

    public void Report(int rowsRead, int accepted, int rejected)
    {
        var before = Interlocked.Exchange(ref _rowsRead, rowsRead);
        if (rowsRead > before)
        {
            OpsCentreMetrics.ImportRowsRead(rowsRead - before);
        }

        Volatile.Write(ref _accepted, accepted);
        Volatile.Write(ref _rejected, rejected);
    }

    public (int RowsRead, int Accepted, int Rejected) Now => (Volatile.Read(ref _rowsRead), Volatile.Read(ref _accepted), Volatile.Read(ref _rejected));
}

/// <summary>One kind of import: validates the whole file, then writes it in the caller's transaction, or reports every refused line and writes nothing.</summary>
public interface IImporter
{
    Task<ImportOutcome> RunAsync(ImportInput input, NpgsqlConnection connection, NpgsqlTransaction transaction, ImportProgress progress, CancellationToken ct);
}
