using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace OpsCentre.Gateway.ApiReference;

/// <summary>
/// The document's own text: the info block, the security schemes (operators' bearer tokens, devices'
/// <c>X-Device-Key</c>), a description of each tag (one per capability) and the problem schemas
/// that <see cref="ErrorResponses"/> refers to.
/// </summary>
internal sealed class ApiDocumentDescription : IOpenApiDocumentTransformer
{
    public const string BearerScheme = "bearer";
    public const string DeviceKeyScheme = "deviceKey";

    /// <summary>Departmental systems' machine clients: OAuth 2.0 client credentials, the token then sent as a bearer token.</summary>
    public const string ClientCredentialsScheme = "clientCredentials";

    private static readonly Dictionary<string, string> TagDescriptions = new(StringComparer.Ordinal)
    {
        ["Auth"] = "Operators' sign-in, token refresh and revocation, and their own password; departmental systems' tokens (OAuth 2.0 client credentials).",
        ["Units"] = "The city's units (district 区, street 街道, community 社区, grid 网格): live counters, children, GeoJSON maps, names.",
        ["Workers"] = "Grid workers (网格员): who is where, their tracks and their flags.",
        ["Key persons"] = "Key persons (重点人员) under supervision: records (masked unless a purpose is named and audited), zones, visits, and the audit of personal-data reads.",
        ["Device"] = "Calls a device makes with its own key (X-Device-Key): statuses, its work.",
        ["Devices"] = "Devices as operators see them: provisioning, keys, health.",
        ["Alerts"] = "Alerts raised by rules, their rules and silences.",
        ["Incidents"] = "Cases (事件) reported, dispatched, handled and closed; the key figures (KPIs) and their exports.",
        ["Screens"] = "What the wall screens need beside the live hub: names in place of codes and ids; the event log read with a cursor over HTTP.",
        ["Imports"] = "Files a centre loads its city from — the division list, the map, the rosters of workers and key persons, the six registries — as import jobs with progress, all or nothing.",
        ["Registries"] = "The six base-information registries (六类基础信息库, 一标三实): standard addresses, population, housing, organisations, key places, city components — one search across them (综合查询), each record with its provenance (一数一源), and the change feed departments read instead of collecting again.",
        ["Collections"] = "What grid workers collect in the field (采集) for the base-information registries, reviewed by community staff: list, approve (applied with its provenance), reject.",
        ["Open311"] = "Open311 GeoReport v2 for residents' clients and aggregators: services (case categories) and service requests (residents' cases), no account needed.",
        ["Residents"] = "The public side of a resident's case: follow it by its number, see its photos, rate it, ask to reopen it with the private follow-up token.",
        ["Hotline"] = "The 12345 hotline intake (市民服务热线): hotline operators enter residents' calls as cases with the caller's number kept apart, follow the calls they took (首接负责), under the urgency class's feedback deadline.",
        ["Administration"] = "Administrators' settings: operators, machine clients of departmental systems, departments, incident categories, supervision schedules, the event log and the change log.",
        ["Supervision"] = "Supervision workflows of several parties (docs/supervision.md): joint mediations (三所联调 / 大调解) with each participating department's part, sessions and outcome, a part overdue raising mediation-part-overdue; drills (演练), whose cases and scripted key persons' device positions (with the alerts they raise) are marked, left out of the KPIs, counters and webhooks, and cleared afterwards.",
        ["Operations"] = "For the people who run OpsCentre: the Orleans Dashboard's session (silos, grain types, activations and call rates at /orleans-dashboard/).",
    };

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "OpsCentre API",
            Version = "v1",
            Description =
                "The HTTP API of OpsCentre, a city's grid-management operations centre (网格化管理): units and their maps, " +
                "grid workers, key persons, devices, alerts and cases.\n\n" +
                "Operators sign in at `POST /api/v1/auth/token` and send `Authorization: Bearer <accessToken>`; devices send " +
                "`X-Device-Key: <deviceId>.<secret>`; departmental systems take a token with OAuth 2.0 client credentials at " +
                "`POST /api/v1/oauth/token` and send it as a bearer token (docs/integration.md). Every answer is scoped to the caller's unit: an object outside it is 404, " +
                "as an unknown one is. Errors are RFC 9457 problem details (`application/problem+json`) with a `traceId`, and " +
                "field errors under `errors.<field>`. Writes that take an `opId` are idempotent: the same request again gets the " +
                "first answer. Times are ISO 8601 with offset; coordinates WGS-84 decimal degrees; lists are paged.\n\n" +
                "Versioning: `v1` is in the path; within it changes are additive only. A deprecated operation answers with " +
                "`Deprecation` and `Sunset` headers for the notice period before it goes (see docs/http-edge.md).",
        };

        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "An operator's access token from `POST /api/v1/auth/token` (renewed with `/api/v1/auth/refresh`).",
        };
        document.Components.SecuritySchemes[DeviceKeyScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = Devices.DeviceKeyAuthentication.Header,
            Description = "A device's key, `<deviceId>.<secret>`, shown once when the device is provisioned (`POST /api/v1/devices`).",
        };
        document.Components.SecuritySchemes[ClientCredentialsScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.OAuth2,
            Description = "A departmental system's machine client, registered by an administrator (`POST /api/v1/machine-clients`): its token from "
                + "`POST /api/v1/oauth/token` (grant_type=client_credentials) is sent as `Authorization: Bearer <access_token>`. It is served only "
                + "within its unit and for its permissions (docs/integration.md).",
            Flows = new OpenApiOAuthFlows
            {
                ClientCredentials = new OpenApiOAuthFlow
                {
                    TokenUrl = new Uri("/" + MachineClients.MachineClientsSetup.TokenPath, UriKind.Relative),
                    Scopes = new Dictionary<string, string>
                    {
                        [Auth.ClientPermissions.CasesRead] = "Read cases: the list, the export, one case with its timeline.",
                        [Auth.ClientPermissions.CasesWrite] = "Report cases.",
                        [Auth.ClientPermissions.EventsRead] = "Read the event feed (GET /api/v1/events) with a cursor.",
                        [Auth.ClientPermissions.RegistryChangesRead] = "Read the registries' change feed with a cursor.",
                    },
                },
            },
        };
        ProblemSchemas.AddTo(document);

        var used = document.Paths?.Values
            .SelectMany(p => p.Operations?.Values.AsEnumerable() ?? [])
            .SelectMany(o => o.Tags ?? new HashSet<OpenApiTagReference>())
            .Select(t => t.Name)
            .OfType<string>()
            .ToHashSet(StringComparer.Ordinal) ?? [];
        document.Tags = new HashSet<OpenApiTag>(used.Order(StringComparer.Ordinal).Select(name => new OpenApiTag
        {
            Name = name,
            Description = TagDescriptions.GetValueOrDefault(name),
        }));
        return Task.CompletedTask;
    }
}
