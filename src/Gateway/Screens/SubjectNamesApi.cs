using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using OpsCentre.Database.Devices;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Gateway.KeyPersons;
using OpsCentre.Gateway.Paging;
using OpsCentre.Grains.Alerts;
using OpsCentre.Grains.Devices;
using OpsCentre.Grains.KeyPersons;
using OpsCentre.Grains.Units;
using OpsCentre.Grains.Workers;

namespace OpsCentre.Gateway.Screens;

/// <summary>
/// <c>GET /api/v1/subjects/names?ids=kind:id,…</c>: what a wall screen shows in place of the ids its alerts carry — a grid
/// worker's name (网格员, as <c>GET /api/v1/workers</c> shows it to every role), a key person's masked name (重点人员, 张*, for
/// the roles that read key persons, each name an audited read like the masked list's), and for a device the name of the
/// person it is bound to. Within the caller's scope only (by the person's grid); anything else is left out.
/// </summary>
public static class SubjectNamesApi
{
    /// <summary>Subjects one request may name: a screen's batch of what it has just seen.</summary>
    public const int MaxSubjects = 200;

    /// <summary>A subject's name as a screen shows it; <c>Masked</c> when it is a key person's (张*).</summary>
    public sealed record SubjectName(string Kind, string Id, string Name, bool Masked);

    private static readonly string[] Kinds = [SubjectKinds.Worker, SubjectKinds.KeyPerson, SubjectKinds.Device];

    public static RouteGroupBuilder MapSubjectNamesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/subjects").WithTags("Screens");

        group.MapGet("/names", async Task<Results<Ok<Page<SubjectName>>, ProblemHttpResult>> (string? ids, HttpContext context, PersonalDataReads reads, CancellationToken ct) =>
        {
            var asked = (ids ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct()
                .Select(s => s.Split(':', 2)).Select(p => (Kind: p[0], Id: p.Length == 2 ? p[1] : "")).ToList();
            if (asked.Count is 0 or > MaxSubjects || asked.Exists(s => !Kinds.Contains(s.Kind) || s.Id.Length is 0 or > 100))
            {
                return Problems.InvalidQuery("ids", $"1 to {MaxSubjects} subjects, comma-separated, each kind:id with kind one of {string.Join(", ", Kinds)}");
            }

            var user = context.User;
            if (ScopeGuard.Deny(user, user.UnitCodeOf(), Permission.ViewUnits) is { } denied)
            {
                return denied;
            }

            return TypedResults.Ok(await NamesAsync(reads, user, asked, ct));
        })
        .WithSummary($"Names for up to {MaxSubjects} alert subjects (ids: kind:id comma-separated, kind worker, key-person or device): a worker's name, "
            + "a key person's masked name (roles that read key persons only; audited), a device's person's; outside the caller's scope left out.");

        return group;
    }

    /// <summary>
    /// The names of <paramref name="asked"/> the caller may see, read in one transaction with the audit rows of the key
    /// persons among them (one per person shown, masked, as the masked list's; none when none is shown).
    /// </summary>
    private static Task<Page<SubjectName>> NamesAsync(PersonalDataReads reads, ClaimsPrincipal user, List<(string Kind, string Id)> asked, CancellationToken ct)
    {
        var readsKeyPersons = Roles.Allows(user.RoleOf(), Permission.ReadKeyPersons);
        var entry = PersonalDataReads.OperatorEntry(user, "key-person.names", unmasked: false, "name(masked)", purpose: null, note: "wall screen: names of alert subjects");
        return reads.ReadListAsync(entry, async (connection, transaction) =>
        {
            var devices = await DeviceCredentialStore.BindingsAsync(connection, transaction, Ids(SubjectKinds.Device), ct);
            var workerIds = Ids(SubjectKinds.Worker).Concat(devices.Where(d => DeviceKinds.IsWorkerDevice(d.Kind)).Select(d => d.BoundTo)).ToHashSet();
            var personIds = Ids(SubjectKinds.KeyPerson).Concat(devices.Where(d => !DeviceKinds.IsWorkerDevice(d.Kind)).Select(d => d.BoundTo)).ToHashSet();
            var workers = (await WorkerRoster.NamesAsync(connection, transaction, workerIds, ct))
                .Where(w => UnitCode.IsWithin(w.Grid, user.UnitCodeOf())).ToDictionary(w => w.Id, w => w.Name);
            var persons = readsKeyPersons && personIds.Count > 0
                ? (await KeyPersonRecords.NamesAsync(connection, transaction, personIds, ct)).Where(p => UnitCode.IsWithin(p.Grid, user.UnitCodeOf())).ToList()
                : [];
            var masked = persons.ToDictionary(p => p.Id, p => PersonalDataMasking.Name(p.Name));

            var named = new List<SubjectName>();
            var shown = new HashSet<string>();
            foreach (var (kind, id) in asked)
            {
                var device = kind == SubjectKinds.Device ? devices.Find(d => d.DeviceId == id) : null;
                if (kind == SubjectKinds.Device && device is null)
                {
                    continue;
                }

                var (person, isWorker) = device is null ? (id, kind == SubjectKinds.Worker) : (device.BoundTo, DeviceKinds.IsWorkerDevice(device.Kind));
                if (isWorker ? workers.TryGetValue(person, out var name) : masked.TryGetValue(person, out name))
                {
                    named.Add(new SubjectName(kind, id, name, Masked: !isWorker));
                    if (!isWorker)
                    {
                        shown.Add(person);
                    }
                }
            }

            return (new Page<SubjectName>(named, null), (IReadOnlyCollection<(string, string)>)[.. persons.Where(p => shown.Contains(p.Id)).Select(p => (p.Id, p.Grid))]);
        }, ct);

        List<string> Ids(string kind) => [.. asked.Where(s => s.Kind == kind).Select(s => s.Id)];
    }
}
