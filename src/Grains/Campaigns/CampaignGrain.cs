using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OpsCentre.Grains.Alerts;
using OpsCentre.Grains.EventLog;
using Orleans.Runtime;

namespace OpsCentre.Grains.Campaigns;

/// <summary>
/// One campaign (专项整治), keyed by its id: announces each grid's completion to the screens (<c>campaign.progress</c>,
/// durable, in the grid's district log) and watches the campaign's deadline per grid — each grid still unfinished at
/// <c>dueAt</c> is a subject of the overdue rules (subject kind <c>campaign-grid</c>, id <c>&lt;campaign&gt;:&lt;grid&gt;</c>,
/// deadline <c>campaign</c>), whose alert escalates grid → community → street → district (四级联控) and ends when the grid finishes.
/// The tasks themselves are rows (<see cref="CampaignStore"/>); the grain keeps only its rules' watch state.
/// </summary>
public interface ICampaignGrain : IGrainWithStringKey
{
    /// <summary>After the campaign is stored (or a start is retried): announces every grid's progress and watches the deadline.</summary>
    Task Start();

    /// <summary>After a task of <paramref name="gridCode"/> is stored as done (or its completion is resent): announces the grid's progress.</summary>
    Task TaskDone(string gridCode);
}

/// <summary>A campaign grid as an alert subject.</summary>
public static class CampaignSubjects
{
    /// <summary>The deadline name the overdue rules read (<c>{"deadline":"campaign"}</c>).</summary>
    public const string Deadline = "campaign";

    public static AlertSubject Of(string campaignId, string gridCode) => new(SubjectKinds.CampaignGrid, campaignId + ":" + gridCode);
}

public sealed class CampaignState
{
    /// <summary>Per grid, its rules' watch state while an episode is open (or was, until it ends).</summary>
    public Dictionary<string, AlertWatchState> Grids { get; set; } = [];
}

/// <summary>
/// Not reentrant: one evaluation at a time, so the progress announced for a grid never goes back. Wakes by its own timer at the
/// deadline (or when a rule asks to look again), with an hourly reminder meanwhile as its durable wake-up.
/// </summary>
public sealed class CampaignGrain(
    [PersistentState("campaign")] IPersistentState<CampaignState> state,
    CampaignStore campaigns,
    AlertWatcher alerts,
    [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider clock) : Grain, ICampaignGrain, IRemindable
{
    private string _id = "";
    private DeadlineWatch? _deadline;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _id = this.GetPrimaryKeyString();
        _deadline = new DeadlineWatch(this, _id, CampaignSubjects.Deadline, EvaluateAsync, state.WriteStateAsync, alerts, clock);
        return Task.CompletedTask;
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => EvaluateAsync();

    public async Task Start()
    {
        if (await campaigns.FindAsync(_id) is not { } campaign)
        {
            return;
        }

        await AnnounceAsync(campaign, campaign.Grids);
        await EvaluateAsync(campaign);
    }

    public async Task TaskDone(string gridCode)
    {
        if (await campaigns.FindAsync(_id) is not { } campaign)
        {
            return;
        }

        await AnnounceAsync(campaign, [.. campaign.Grids.Where(g => g.GridCode == gridCode)]);
        await EvaluateAsync(campaign);
    }

    /// <summary>
    /// One <c>campaign.progress</c> per grid, with the grid's absolute counts and the campaign's. Its operation id names the count,
    /// so the same progress announced again (a resent completion, a retried start) is stored once.
    /// </summary>
    private async Task AnnounceAsync(Campaign campaign, IReadOnlyList<CampaignGridProgress> grids)
    {
        var now = clock.GetUtcNow();
        foreach (var district in grids.GroupBy(g => g.GridCode[..6]))
        {
            var drafts = district.Select(g => new EventDraft(g.GridCode, "campaign.progress", "campaign", now, JsonSerializer.Serialize(new
            {
                id = campaign.Id,
                campaignUnitCode = campaign.UnitCode,
                kind = campaign.Kind,
                gridCode = g.GridCode,
                total = g.Total,
                done = g.Done,
                campaignTotal = campaign.Total,
                campaignDone = campaign.Done,
                dueAt = campaign.DueAt,
            }))).ToList();
            var opId = $"campaign-progress:{campaign.Id}:" + string.Join(",", district.Select(g => $"{g.GridCode}={g.Done}"));
            await GrainFactory.GetGrain<IDistrictEventLogGrain>(district.Key).Append("campaign", opId.Length <= 200 ? opId : opId[..160] + ":" + Hash(opId), drafts);
        }
    }

    private async Task EvaluateAsync()
    {
        if (await campaigns.FindAsync(_id) is { } campaign)
        {
            await EvaluateAsync(campaign);
        }
    }

    /// <summary>Each grid's deadline while it is unfinished; a finished grid has none, so its episode (if any) ends.</summary>
    private Task EvaluateAsync(Campaign campaign)
    {
        var grids = campaign.Grids.ToDictionary(g => g.GridCode);
        return _deadline!.EvaluateAsync(state.State.Grids, grids.Keys, grid => new DeadlineSubject(
            CampaignSubjects.Of(campaign.Id, grid),
            grid,
            campaign.State == "open" && grids.TryGetValue(grid, out var progress) && !progress.Finished ? campaign.DueAt : null));
    }

    private static string Hash(string text) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)))[..32];
}
