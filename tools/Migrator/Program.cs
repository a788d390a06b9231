using OpsCentre.Database;

// OpsCentre database tool. Secrets come from the environment, never from arguments (visible in `ps`).
//
//   provision <database>   as the superuser in OPSCENTRE_ADMIN_CONNECTION: create the roles
//                          <database>_owner / <database>_app with OPSCENTRE_OWNER_PASSWORD /
//                          OPSCENTRE_APP_PASSWORD and the database, then migrate it.
//   migrate                as the owner in ConnectionStrings__OpsCentreOwner: apply migrations,
//                          granting the application role OPSCENTRE_APP_ROLE.
// The demo accounts are not the migrator's: they come with the demo city (tools/CityGen `ensure`, OPSCENTRE_DEMO=on).
if (args is ["seed-demo-operators", ..])
{
    Console.Error.WriteLine("seed-demo-operators is no more: the demo accounts come with the demo city, `OpsCentre.CityGen ensure` with OPSCENTRE_DEMO=on");
    return 2;
}

if (args.Length == 0 || args[0] is not ("provision" or "migrate"))
{
    Console.Error.WriteLine("usage: OpsCentre.Migrator provision <database> | migrate");
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
    else
    {
        Report(await migrator.MigrateAsync(Required("ConnectionStrings__OpsCentreOwner"), Required("OPSCENTRE_APP_ROLE")));
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
