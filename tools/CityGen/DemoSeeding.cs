using Npgsql;
using OpsCentre.Database.Operators;

namespace OpsCentre.CityGen;

/// <summary>
/// The rule for demo data (the generated city, its alert rules, case categories and departments, and the demo
/// accounts): it is written only when asked for explicitly with <c>OPSCENTRE_DEMO=on</c>, which <c>scripts/run.sh</c>
/// sets for the PostgreSQL it provisions itself and never for a database it was given (<c>ConnectionStrings__OpsCentre</c>)
/// unless the caller sets it. The demo accounts come with the demo city, and seeding only creates the ones that are
/// missing: an account that exists — its password changed, or disabled — is left exactly as it is.
/// </summary>
public static class DemoSeeding
{
    public const string FlagVariable = "OPSCENTRE_DEMO";

    public const string PasswordVariable = "OPSCENTRE_DEMO_PASSWORD";

    /// <summary>Whether the caller asked for demo data (<c>OPSCENTRE_DEMO=on</c>).</summary>
    public static bool Requested() => Environment.GetEnvironmentVariable(FlagVariable) == "on";

    /// <summary>The contract's demo operators (one per role) and, when the city holds 锦江区 (whose department it belongs to), the demo department's staff.</summary>
    public static IReadOnlyList<OperatorAccount> Accounts(IEnumerable<string> districts) =>
        districts.Contains(DemoIncidentCatalog.DepartmentStaff.UnitCode) ? [.. DemoOperators.All, DemoIncidentCatalog.DepartmentStaff] : DemoOperators.All;

    /// <summary>
    /// Creates the demo accounts (<see cref="Accounts"/>) that do not exist, with <c>OPSCENTRE_DEMO_PASSWORD</c> (default
    /// <c>demo-password</c>); returns the names created.
    /// </summary>
    public static async Task<IReadOnlyList<string>> CreateMissingAccountsAsync(NpgsqlDataSource dataSource, IEnumerable<string> districts)
    {
        var password = Environment.GetEnvironmentVariable(PasswordVariable) is { Length: > 0 } p ? p : DemoOperators.DefaultPassword;
        var operators = new OperatorStore(dataSource);
        var created = new List<string>();
        foreach (var account in Accounts(districts))
        {
            if (await operators.CreateIfMissingAsync(account, password))
            {
                created.Add(account.Username);
            }
        }

        return created;
    }
}
