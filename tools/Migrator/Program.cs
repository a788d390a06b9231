using OpsCentre.Database;
using OpsCentre.Database.Operators;

// OpsCentre database tool. Secrets come from the environment, never from arguments (visible in `ps`).
//
//   provision <database>   as the superuser in OPSCENTRE_ADMIN_CONNECTION: create the roles
//                          <database>_owner / <database>_app with OPSCENTRE_OWNER_PASSWORD /
//                          OPSCENTRE_APP_PASSWORD and the database, then migrate it.
//   migrate                as the owner in ConnectionStrings__OpsCentreOwner: apply migrations,
//                          granting the application role OPSCENTRE_APP_ROLE.
//   seed-demo-operators    as the application role in ConnectionStrings__OpsCentre: create or reset
//                          the demo operators (one per role) with OPSCENTRE_DEMO_PASSWORD (default demo-password).
if (args.Length == 0 || args[0] is not ("provision" or "migrate" or "seed-demo-operators"))
{
    Console.Error.WriteLine("usage: OpsCentre.Migrator provision <database> | migrate | seed-demo-operators");
    return 2;
}

try
{
    var migrator = new SchemaMigrator();
    if (args[0] == "provision")
    {
        var database = args.ElementAtOrDefault(1) ?? "opscentre";
        var provisioned = await DatabaseProvisioner.ProvisionAsync(
            Required("OPSCENTRE_ADMIN_CONNECTION"), database,
            Required("OPSCENTRE_OWNER_PASSWORD"), Required("OPSCENTRE_APP_PASSWORD"));
        Report(await migrator.MigrateAsync(provisioned.OwnerConnectionString, provisioned.AppRole));
    }
    else if (args[0] == "migrate")
    {
        Report(await migrator.MigrateAsync(Required("ConnectionStrings__OpsCentreOwner"), Required("OPSCENTRE_APP_ROLE")));
    }
    else
    {
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(Required("ConnectionStrings__OpsCentre"));
        var operators = new OperatorStore(dataSource);
        var password = Environment.GetEnvironmentVariable("OPSCENTRE_DEMO_PASSWORD") is { Length: > 0 } p ? p : DemoOperators.DefaultPassword;
        foreach (var account in DemoOperators.All)
        {
            await operators.UpsertAsync(account, password);
        }

        Console.WriteLine($"demo operators ready: {string.Join(", ", DemoOperators.All.Select(a => a.Username))}");
    }

    return 0;
}
catch (Exception ex) when (ex is Npgsql.NpgsqlException or InvalidOperationException or ArgumentException)
{
    Console.Error.WriteLine($"migration failed: {ex.Message}");
    return 1;
}

static string Required(string name) =>
    Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
        ? value
        : throw new InvalidOperationException($"environment variable {name} is not set");

static void Report(IReadOnlyList<int> applied) =>
    Console.WriteLine(applied.Count == 0
        ? $"schema is current (version {SchemaMigrator.LatestVersion})"
        : $"applied migrations {string.Join(", ", applied)}; schema at version {SchemaMigrator.LatestVersion}");
