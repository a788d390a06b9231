using Microsoft.Extensions.Options;
using OpsCentre.Database;
using OpsCentre.Database.Operators;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Hosting;

namespace OpsCentre.Gateway.Screens;

/// <summary>
/// Closes the hub connections of accounts no longer in good standing (disabled, deleted, moved to another role or unit):
/// a connection is authenticated once, when it opens, and may stay open for the token's whole life. Every
/// <see cref="AuthOptions.StandingCheckSeconds"/> it reads the accounts of the users with a connection open on this
/// gateway — only those, in one query — renews their <see cref="AccountStanding"/> entries with what it read, and aborts
/// the connections whose account does not fit their claims. The screen's reconnect is then refused (401) like any request.
/// </summary>
public sealed partial class ScreenStandingWatch(
    ScreenFeed feed, OperatorStore operators, AccountStanding standing, IOptions<AuthOptions> options, TimeProvider clock,
    DatabaseHealth database, ILogger<ScreenStandingWatch> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.StandingCheckSeconds), clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            standing.Prune();
            var open = feed.Connections;
            if (open.Count == 0)
            {
                continue;
            }

            var users = open.Select(c => c.Username).ToHashSet(StringComparer.Ordinal);
            Dictionary<string, OperatorAccount> accounts;
            try
            {
                accounts = await operators.FindManyAsync(users, stoppingToken);
            }
            catch (Exception ex) when (UnavailableFailures.Classify(ex) == FailureKind.DatabaseUnreachable)
            {
                // Nobody can disable an account in a database out of reach: the connections stay, the next tick tries again.
                database.Failed(ex);
                continue;
            }

            foreach (var user in users)
            {
                standing.Put(user, accounts.GetValueOrDefault(user));
            }

            foreach (var connection in open.Where(c => !AccountStanding.Fits(accounts.GetValueOrDefault(c.Username), c.User)))
            {
                LogClosing(connection.ConnectionId, connection.Username);
                connection.Abort();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Closing screen connection {ConnectionId}: the account {Username} is disabled, gone, or no longer has the token's role or unit")]
    private partial void LogClosing(string connectionId, string username);
}
