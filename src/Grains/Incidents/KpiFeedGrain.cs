using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OpsCentre.Grains.Live;
using OpsCentre.Grains.Units;

namespace OpsCentre.Grains.Incidents;

/// <summary>
/// Keeps screens' KPI tiles current: a district's cases tell it which units changed, and at most every
/// <see cref="KpiFeedGrain.Period"/> it recomputes this month's KPIs of just those units (and the units above them in
/// the district) and publishes them as <c>Live</c> items of kind <c>kpi</c>. Keyed by district code.
/// </summary>
public interface IKpiFeedGrain : IGrainWithStringKey
{
    /// <summary>A case in this unit changed. One-way: KPI tiles are live state and may lag a few seconds.</summary>
    [Orleans.Concurrency.OneWay]
    Task Touch(string unitCode);
}

public sealed class KpiFeedGrain(IncidentKpis kpis, [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider clock) : Grain, IKpiFeedGrain
{
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(5);

    private readonly HashSet<string> _touched = [];
    private IGrainTimer? _timer;

    public Task Touch(string unitCode)
    {
        for (string? code = unitCode; code is not null && code.Length >= 6; code = UnitCode.ParentOf(code))
        {
            _touched.Add(code);
        }

        _timer ??= this.RegisterGrainTimer(PublishAsync, new GrainTimerCreationOptions(Period, Period));
        return Task.CompletedTask;
    }

    private async Task PublishAsync()
    {
        if (_touched.Count == 0)
        {
            _timer?.Dispose();
            _timer = null;
            return;
        }

        var (from, to) = IncidentKpis.CurrentMonth(clock.GetUtcNow());
        var items = new List<LiveItem>();
        foreach (var unit in _touched)
        {
            var figures = await kpis.ComputeAsync(IncidentKpis.Scope.Unit, unit, from, to);
            items.Add(LiveItem.Create("kpi", unit, unit, JsonSerializer.Serialize(figures, JsonSerializerOptions.Web)));
        }

        _touched.Clear();
        await GrainFactory.GetGrain<IDistrictLiveFeedGrain>(this.GetPrimaryKeyString()).Publish(items);
    }
}
