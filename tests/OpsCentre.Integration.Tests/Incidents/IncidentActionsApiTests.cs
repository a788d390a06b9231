using OpsCentre.Testing;
using System.Net;
using System.Text.Json;

namespace OpsCentre.Integration.Tests.Incidents;

/// <summary>
/// <c>actions</c> on GET /api/v1/incidents/{id}: what the caller may do to the case now, through the real gateway and
/// silo. Along the loop each listed action is then taken and succeeds, and every action not listed is refused by the
/// POST and changes nothing; a street's operator sees no other street's case at all.
/// </summary>
[Collection(nameof(SystemCollection))]
public sealed class IncidentActionsApiTests(SystemFixture system)
{
    private const string District = "jinjiang.operator";        // 510104, above both streets
    private const string FirstStreet = "jinjiang.street.operator";
    private const string SecondStreet = SystemFixture.SecondStreetOperator;

    private readonly Dictionary<string, string> _tokens = [];

    private async Task<string> TokenAsync(string username) =>
        _tokens.TryGetValue(username, out var token) ? token : (_tokens[username] = await Api.TokenAsync(system.Http, username));

    private async Task<(HttpStatusCode Status, JsonElement Body)> DetailAsync(string by, string id) =>
        await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/incidents/{id}", await TokenAsync(by));

    private async Task<string[]> ActionsAsync(string by, string id)
    {
        var (status, detail) = await DetailAsync(by, id);
        Assert.True(status == HttpStatusCode.OK, $"detail for {by}: {status} {detail}");
        return [.. detail.GetProperty("actions").EnumerateArray().Select(a => a.GetString()!)];
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> TryAsync(string by, string id, string action) =>
        await Api.SendAsync(system.Http, HttpMethod.Post, $"/api/v1/incidents/{id}/actions", await TokenAsync(by), new Dictionary<string, object?>
        {
            ["opId"] = $"{action}-{Guid.NewGuid():N}", ["action"] = action, ["note"] = "by the test",
            ["unitCode"] = action is "transfer" or "add-co-handler" or "remove-co-handler" ? "510104-CG" : null,
        });

    /// <summary>Every action the list leaves out is refused by the POST, and the case stays as it was.</summary>
    private async Task UnlistedAreRefusedAsync(string by, string id, string[] listed)
    {
        var before = (await DetailAsync(District, id)).Body.GetProperty("incident").GetRawText();
        foreach (var action in Grains.Incidents.IncidentActions.All.Except(listed))
        {
            var (status, answer) = await TryAsync(by, id, action);
            Assert.True(status is HttpStatusCode.Forbidden or HttpStatusCode.Conflict or HttpStatusCode.NotFound,
                $"{action} by {by} was not listed but answered {status} {answer}");
        }

        Assert.Equal(before, (await DetailAsync(District, id)).Body.GetProperty("incident").GetRawText());
    }

    [Fact]
    public async Task ActionsAreWhatTheCallerMayTakeNow()
    {
        var (reported, answer) = await Api.SendAsync(system.Http, HttpMethod.Post, "/api/v1/incidents", await TokenAsync(SecondStreet),
            new { opId = Guid.NewGuid().ToString("N"), category = "sanitation", urgency = "normal", description = "垃圾堆放", gridCode = system.Fresh.Grid(within: DemoUnits.SecondStreet) });
        Assert.True(reported == HttpStatusCode.Created, $"report: {reported} {answer}");
        var id = answer.GetProperty("id").GetString()!;

        // The first street's operator neither sees the case nor learns what could be done to it.
        Assert.Equal(HttpStatusCode.NotFound, (await DetailAsync(FirstStreet, id)).Status);

        var loop = new (string Stage, string[] Expected, string Take)[]
        {
            ("reported", ["accept", "cancel"], "accept"),
            ("accepted", ["cancel", "dispatch"], "dispatch"),
            ("dispatched", ["start", "transfer", "request-extension", "add-co-handler"], "start"),
            ("in-progress", ["feedback", "transfer", "request-extension", "add-co-handler"], "feedback"),
        };
        foreach (var (stage, expected, take) in loop)
        {
            var actions = await ActionsAsync(SecondStreet, id);
            Assert.True(expected.SequenceEqual(actions), $"{stage}: [{string.Join(", ", actions)}], expected [{string.Join(", ", expected)}]");
            await UnlistedAreRefusedAsync(SecondStreet, id, actions);
            var (status, after) = await TryAsync(SecondStreet, id, take);
            Assert.True(status == HttpStatusCode.OK, $"{take} (listed) by {SecondStreet}: {status} {after}");
        }

        // Handled: the reporter may not verify their own case; the district above may.
        var reporters = await ActionsAsync(SecondStreet, id);
        Assert.Empty(reporters);
        await UnlistedAreRefusedAsync(SecondStreet, id, reporters);
        var districts = await ActionsAsync(District, id);
        Assert.Equal(["verify-pass", "verify-fail"], districts);
        await UnlistedAreRefusedAsync(District, id, districts);
        var (verified, closed) = await TryAsync(District, id, "verify-pass");
        Assert.True(verified == HttpStatusCode.OK, $"verify-pass: {verified} {closed}");
        Assert.Equal("closed", closed.GetProperty("stage").GetString());

        Assert.Empty(await ActionsAsync(District, id));
        Assert.Empty(await ActionsAsync(SecondStreet, id));
    }
}
