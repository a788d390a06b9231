using OpsCentre.Benchmarks;
using OpsCentre.CityGen;

// OpsCentre benchmarks; each prints its figures. Run in Release:
//   dotnet run -c Release --project tools/Benchmarks -- lookup [city|central|large|…] [seconds]
//   dotnet run -c Release --project tools/Benchmarks -- memory [city|central|large|…]
//   dotnet run -c Release --project tools/Benchmarks -- bare-endpoint [url]   (the yardstick of scripts/bench-ingest.sh)
//   dotnet run -c Release --project tools/Benchmarks -- floor-silo <silo port> <gateway port>   (the separate layout's floor: one grain call per status; scripts/bench-ingest.sh, BENCH_FLOOR=1)
//   dotnet run -c Release --project tools/Benchmarks -- floor-endpoint <url> <floor silo's gateway port> [cohost <silo port>]
//   dotnet run -c Release --project tools/Benchmarks -- latency <gateway> [alerts/s] [seconds] [password]   (run by scripts/bench-latency.sh)
//   dotnet run -c Release --project tools/Benchmarks -- registry-search <gateway> [requests] [password]   (run by scripts/bench-registries.sh)
//   dotnet run -c Release --project tools/Benchmarks -- registry-import [rows]   (a population file through the import job; 1,000,000 by default)
//   dotnet run -c Release --project tools/Benchmarks -- cold-start [city|large|…] [hours] [silence]   (the whole city started again after a stop of 3 h by default; silence: the devices back report once, then all fall silent)
switch (args.ElementAtOrDefault(0))
{
    case "lookup":
        GridLookupBenchmark.Run(CitySize.Parse(args.ElementAtOrDefault(1) ?? "city"), TimeSpan.FromSeconds(int.Parse(args.ElementAtOrDefault(2) ?? "5")));
        return 0;
    case "bare-endpoint":
        await BareStatusEndpoint.RunAsync(args.ElementAtOrDefault(1) ?? "http://127.0.0.1:5090");
        return 0;
    case "floor-silo" when args.Length >= 3:
        await OrleansFloor.RunSiloAsync(int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture), int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture));
        return 0;
    case "floor-endpoint" when args.Length == 3 || (args.Length == 5 && args[3] == "cohost"):
        await OrleansFloor.RunEndpointAsync(args[1], int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture),
            args.Length == 5 ? int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture) : null);
        return 0;
    case "memory":
        await GrainMemoryBenchmark.RunAsync(CitySize.Parse(args.ElementAtOrDefault(1) ?? "large"));
        return 0;
    case "latency" when args.Length >= 2:
        return await AlertLatencyBenchmark.RunAsync(new Uri(args[1]), double.Parse(args.ElementAtOrDefault(2) ?? "20", System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(args.ElementAtOrDefault(3) ?? "30"), args.ElementAtOrDefault(4) ?? "demo-password");
    case "registry-search" when args.Length >= 2:
        return await RegistrySearchBenchmark.RunAsync(new Uri(args[1]), int.Parse(args.ElementAtOrDefault(2) ?? "1000"), args.ElementAtOrDefault(3) ?? "demo-password");
    case "registry-import":
        await RegistryImportBenchmark.RunAsync(int.Parse(args.ElementAtOrDefault(1) ?? "1000000", System.Globalization.CultureInfo.InvariantCulture));
        return 0;
    case "cold-start":
        return await ColdStartBenchmark.RunAsync(CitySize.Parse(args.ElementAtOrDefault(1) ?? "city"),
            TimeSpan.FromHours(double.Parse(args.ElementAtOrDefault(2) ?? "3", System.Globalization.CultureInfo.InvariantCulture)),
            citySilence: args.ElementAtOrDefault(3) == "silence");
    default:
        Console.Error.WriteLine("usage: OpsCentre.Benchmarks lookup [city|central|large|…] [seconds] | memory [city|central|large|…] | bare-endpoint [url] | floor-silo <silo port> <gateway port> | floor-endpoint <url> <gateway port> [cohost <silo port>] | latency <gateway> [alerts/s] [seconds] [password] | registry-search <gateway> [requests] [password] | registry-import [rows] | cold-start [city|large|…] [hours] [silence]");
        return 2;
}
