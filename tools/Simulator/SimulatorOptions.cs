namespace OpsCentre.Simulator;

/// <summary>Command-line settings: <c>--name value</c>.</summary>
public sealed record SimulatorOptions(
    Uri Gateway, string Username, string Password, string DataDirectory, double Rate, int Workers, int Concurrency, TimeSpan? Duration, int BatchSize, double CasesPerMinute, int Persons, string? CityDirectory, double ResidentsPerMinute, string Unit,
    TimeSpan SupervisionPace, string HomePlace, string OtherPlace, bool Once)
{
    public static SimulatorOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            // --name value, or a flag alone (--once)
            var name = args[i].TrimStart('-');
            values[name] = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : "true";
        }

        var places = Get("places", "510104,510105").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (places.Length != 2 || places.Any(p => p.Length < 6) || places[0][..6] == places[1][..6])
        {
            throw new ArgumentException("--places takes two units of two districts: home,elsewhere (default 510104,510105)");
        }

        string Get(string name, string fallback) => values.GetValueOrDefault(name, fallback);
        return new SimulatorOptions(
            new Uri(Get("gateway", "http://127.0.0.1:5080")),
            Get("user", "city.admin"),
            Get("password", Environment.GetEnvironmentVariable("OPSCENTRE_DEMO_PASSWORD") is { Length: > 0 } p ? p : "demo-password"),
            Get("data", ".data/simulator"),
            double.Parse(Get("rate", "50"), System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(Get("workers", "0")),
            int.Parse(Get("concurrency", "32")),
            values.TryGetValue("duration", out var d) ? TimeSpan.FromSeconds(int.Parse(d)) : null,
            int.Parse(Get("batch", "1")),
            double.Parse(Get("cases", "0"), System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(Get("persons", "0")),
            values.GetValueOrDefault("city"),
            double.Parse(Get("residents", "0"), System.Globalization.CultureInfo.InvariantCulture),
            Get("unit", "5101"),
            TimeSpan.FromSeconds(double.Parse(Get("supervision", "0"), System.Globalization.CultureInfo.InvariantCulture)),
            places[0],
            places[1],
            values.ContainsKey("once"));
    }

    public const string Usage = """
        usage: OpsCentre.Simulator [--gateway http://127.0.0.1:5080] [--user city.admin] [--password …]
                                   [--data .data/simulator] [--rate 50] [--workers 0] [--concurrency 32]
                                   [--duration seconds] [--batch 1] [--cases 0] [--persons 0 --city <dir>]
                                   [--residents 0] [--unit 5101] [--supervision 0 [--places 510104,510105]] [--once]
          --rate      statuses per second over all devices (0: as fast as the concurrency allows)
          --workers   how many of the city's workers to drive (0: all)
          --batch     statuses per request (1: /device/status, more: /device/status/batch)
          --persons   key persons whose wristband and phone to drive (from <dir>/key-persons.csv), at a tenth of --rate
          --cases     cases per minute (by day; a third of that by night) reported and walked through the closed loop
          --residents residents' reports per minute (by day; a fifth of that by night) through Open311, some duplicates,
                      walked through the loop and rated after closure with their follow-up token
          --unit      the unit whose workers to drive (their places are where residents report)
          --supervision  seconds between two actions of each supervision workflow (0: off): cross-district hand-overs,
                      travel leave, corrections officers, joint mediation, drills, paper back-entry, the responsibility list,
                      帮教 of released persons, property companies (compounds collected and linked, their cases, the ranking),
                      floating-population campaigns (started, visits completed on the phones, some grids left overdue)
          --places    where those act: home (a unit of 锦江区, whose demo accounts act) and elsewhere (another district's unit)
          --once      take each supervision workflow once through to its end, back to back, then stop (exit 1 if one did not get there)
        """;
}
