using Microsoft.Extensions.Configuration;
using Orleans.Dashboard;

namespace OpsCentre.Silo;

/// <summary>
/// The Orleans Dashboard (<c>Microsoft.Orleans.Dashboard</c>): silos, grain types, activations and call rates of the
/// running cluster, for the people who run OpsCentre. Each silo adds its side here (a grain service and a grain-call
/// profiler); the gateway serves the pages and their data to the city's administrators only
/// (<c>OpsCentre.Gateway.ClusterDashboard.OrleansDashboardApi</c>). Off by default (it costs ingest even while nobody watches, docs/benchmarks.md); <c>Orleans:Dashboard:Enabled=true</c> turns it on (the run command does),
/// and every silo and gateway of a cluster must then say the same.
/// </summary>
public static class OrleansDashboardSetup
{
    /// <summary>The setting that turns the dashboard on or off in every process of a cluster; default on.</summary>
    public const string EnabledSetting = "Orleans:Dashboard:Enabled";

    public static bool IsEnabled(IConfiguration configuration) => configuration.GetValue(EnabledSetting, false);

    /// <summary>The silo's side of the dashboard, unless <see cref="EnabledSetting"/> is false.</summary>
    public static ISiloBuilder AddOpsCentreDashboard(this ISiloBuilder silo, IConfiguration configuration) =>
        IsEnabled(configuration) ? silo.AddDashboard(Configure) : silo;

    /// <summary>
    /// The options every process uses. The live log stream is off: logs go through Serilog to their own files, and a
    /// stream to a browser would carry whatever they carry. The profiler keeps its default: it times grain calls only
    /// while someone has asked for the dashboard's data in the last minute, and is idle otherwise.
    /// </summary>
    public static void Configure(DashboardOptions options) => options.HideTrace = true;
}
