using OpsCentre.Benchmarks;
using OpsCentre.CityGen;

// OpsCentre benchmarks; each prints its figures. Run in Release:
//   dotnet run -c Release --project tools/Benchmarks -- lookup [demo|large] [seconds]
//   dotnet run -c Release --project tools/Benchmarks -- memory [demo|large]
switch (args.ElementAtOrDefault(0))
{
    case "lookup":
        GridLookupBenchmark.Run(CitySize.Parse(args.ElementAtOrDefault(1) ?? "demo"), TimeSpan.FromSeconds(int.Parse(args.ElementAtOrDefault(2) ?? "5")));
        return 0;
    case "memory":
        await GrainMemoryBenchmark.RunAsync(CitySize.Parse(args.ElementAtOrDefault(1) ?? "large"));
        return 0;
    default:
        Console.Error.WriteLine("usage: OpsCentre.Benchmarks lookup [demo|large] [seconds] | memory [demo|large]");
        return 2;
}
