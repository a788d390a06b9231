using OpsCentre.Benchmarks;
using OpsCentre.CityGen;

// OpsCentre benchmarks; each prints its figures. Run in Release:
//   dotnet run -c Release --project tools/Benchmarks -- lookup [demo|large] [seconds]
//   dotnet run -c Release --project tools/Benchmarks -- memory [demo|large]
//   dotnet run -c Release --project tools/Benchmarks -- bare-endpoint [url]   (the yardstick of scripts/bench-ingest.sh)
switch (args.ElementAtOrDefault(0))
{
    case "lookup":
        GridLookupBenchmark.Run(CitySize.Parse(args.ElementAtOrDefault(1) ?? "demo"), TimeSpan.FromSeconds(int.Parse(args.ElementAtOrDefault(2) ?? "5")));
        return 0;
    case "bare-endpoint":
        await BareStatusEndpoint.RunAsync(args.ElementAtOrDefault(1) ?? "http://127.0.0.1:5090");
        return 0;
    case "memory":
        await GrainMemoryBenchmark.RunAsync(CitySize.Parse(args.ElementAtOrDefault(1) ?? "large"));
        return 0;
    default:
        Console.Error.WriteLine("usage: OpsCentre.Benchmarks lookup [demo|large] [seconds] | memory [demo|large] | bare-endpoint [url]");
        return 2;
}
