using System.Globalization;
using System.Security.Claims;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using OpsCentre.Database.Audit;
using OpsCentre.Database.Registries;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Gateway.KeyPersons;
using OpsCentre.Gateway.Paging;

namespace OpsCentre.Gateway.Registries;

/// <summary>
/// The base-information registries (六类基础信息库) over HTTP: <c>GET /api/v1/registry/search</c> (综合查询),
/// <c>GET /api/v1/registry/{registry}/{id}</c> (one record with its provenance) and <c>GET /api/v1/registry-changes</c>
/// (the change feed departments read instead of collecting again). Scoped by unit prefix (404 outside), masked by role as
/// key persons are, and every read of a resident audited. Writes go through <see cref="RegistryWriter"/> (collections, imports).
/// </summary>
public static class RegistryApi
{
    /// <summary>
    /// A record: its fields by write name (personal ones masked unless in clear), the provenance of each field written
    /// (source, collectedBy, collectedAt) and the row's own (its last write), its version and soft removal.
    /// </summary>
    public sealed record RegistryRecordView(string Registry, string Id, string UnitCode, int Version, string Source, string CollectedBy,
        DateTimeOffset CollectedAt, DateTimeOffset? RemovedAt, JsonObject Fields, JsonObject Provenance);

    /// <summary>A hit of the search: <c>title</c> and <c>snippet</c> masked by role where they hold personal data.</summary>
    public sealed record SearchHit(string Registry, string Id, string Title, string UnitCode, string Snippet);

    /// <summary>One change: field names only, never values.</summary>
    public sealed record ChangeItem(long Position, string Registry, string Id, string UnitCode, string Action, int Version,
        IReadOnlyList<string> ChangedFields, string Source, string CollectedBy, DateTimeOffset At)
    {
        /// <summary>The contract's name for <see cref="Position"/>: the feed's sequence number, what <c>after</c> resumes from.</summary>
        public long Seq => Position;
    }

    public const int DefaultSearchLimit = 20;

    public static RouteGroupBuilder MapRegistryApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1").WithTags("Registries");

        group.MapGet("/registry/search", async Task<Results<Ok<Page<SearchHit>>, ProblemHttpResult>> (
            string? q, string? unit, string? registry, int? limit, string? after, string? purpose,
            HttpContext context, PersonalDataReads reads, RegistrySearch search, CancellationToken ct) =>
        {
            var user = context.User;
            if (UnitListing.Check(unit ?? user.UnitCodeOf(), limit ?? DefaultSearchLimit, user, out var take, Permission.ReadRegistries) is { } denied)
            {
                return denied;
            }

            if (q is null || q.Trim().Length is < RegistrySearch.MinLength or > RegistrySearch.MaxLength)
            {
                return Problems.InvalidQuery("q", $"required, {RegistrySearch.MinLength} to {RegistrySearch.MaxLength} characters");
            }

            registry = RegistryNames.Canonical(registry) ?? registry;
            if (registry is not null && !RegistryNames.IsKnown(registry))
            {
                return Problems.InvalidQuery("registry", "one of " + string.Join(", ", RegistryNames.All));
            }

            if (!RegistrySearch.TryParseCursor(after, out _))
            {
                return Problems.InvalidQuery("after", "a cursor from a page's next");
            }

            if (PersonalDataReads.CheckPurpose(purpose, required: false, out var named) is { } invalid)
            {
                return invalid;
            }

            var unmasked = PersonalDataMasking.MaySeeUnmasked(user, named);
            var entry = PersonalDataReads.OperatorEntry(user, "registry.search", unmasked, unmasked ? "name" : "name(masked)", named);
            return TypedResults.Ok(await reads.ReadListAsync(entry, async (connection, transaction) =>
            {
                var hits = await search.SearchAsync(connection, transaction, q, unit ?? user.UnitCodeOf(), registry, after, take + 1, ct);
                var page = hits.Count > take ? hits[..take] : hits;
                var result = new Page<SearchHit>([.. page.Select(h => View(h, unmasked))], hits.Count > take ? page[^1].Cursor : null);
                return (result, (IReadOnlyCollection<(string, string)>)[.. page.Where(h => h.Personal).Select(h => (h.Id, h.UnitCode))]);
            }, ct));
        })
        .WithName("SearchRegistries")
        .WithSummary("综合查询: one search across the six registries within the unit (default: the caller's; 404 outside scope)")
        .WithDescription("By a resident's name fragment, an exact ID number or phone (through their keyed hashes), an address fragment (addresses and the "
            + "dwellings at them), an organisation's or key place's name, a component's code (prefix) or category name (井盖). At least "
            + $"{RegistrySearch.MinLength} characters. Ranked exact, prefix, fragment; paged by `after` = the previous page's `next`. Residents' names "
            + "masked (张*) unless the role is cleared and names a `purpose`; every resident listed is an audited read.");

        group.MapGet("/registry/{registry}/{id}", async Task<Results<Ok<RegistryRecordView>, ProblemHttpResult>> (
            string registry, string id, string? purpose, HttpContext context, PersonalDataReads reads, RegistryReader reader, NpgsqlDataSource db, CancellationToken ct) =>
        {
            registry = RegistryNames.Canonical(registry) ?? registry;
            if (RegistryFields.Of(registry) is not { } table)
            {
                return Problems.NotFound();
            }

            var user = context.User;
            if (table.Registry == RegistryNames.Population)
            {
                return await reads.ReadAsync(user, id, (c, t, subject, token) => RegistryReader.GridOfAsync(c, t, table, subject, token),
                    Permission.ReadRegistries, "registry.population.read", purpose, purposeRequired: false, async read =>
                    {
                        var record = (await reader.FindAsync(read.Connection, read.Transaction, table, id, ct))!;
                        return new Disclosure<RegistryRecordView>(View(record, table, read.InClear), read.InClear,
                            read.InClear ? "name,idNumber,phone" : "name(masked),idNumber(masked),phone(masked)");
                    }, ct);
            }

            if (PersonalDataReads.CheckPurpose(purpose, required: false, out _) is { } invalid)
            {
                return invalid;
            }

            await using var connection = await db.OpenConnectionAsync(ct);
            var found = await reader.FindAsync(connection, null, table, id, ct);
            if (found is null)
            {
                return Problems.NotFound();
            }

            return ScopeGuard.Deny(user, found.UnitCode, Permission.ReadRegistries) is { } denied
                ? denied
                : TypedResults.Ok(View(found, table, unmasked: true));
        })
        .WithName("GetRegistryRecord")
        .WithSummary("One record of a registry (address, population, housing, organisation, place, component) with its provenance")
        .WithDescription("404 for an unknown registry or id, or one outside the caller's scope. `fields` by their write names; `provenance` per field "
            + "written (source, collectedBy, collectedAt); a removed record keeps its data and says `removedAt`. A resident's name, ID number and "
            + "phone are masked (张*, 5101**************, 138****5678) unless the role is cleared and names a `purpose`; every read of a resident, "
            + "allowed or denied, is audited with its purpose.");

        group.MapGet("/registry-changes", async Task<Results<Ok<Page<ChangeItem>>, ProblemHttpResult>> (
            string? after, string? registry, string? unit, int? limit, HttpContext context, RegistryReader reader, CancellationToken ct) =>
        {
            var user = context.User;
            if (UnitListing.Check(unit ?? user.UnitCodeOf(), limit, user, out var take, Permission.ReadRegistryChanges) is { } denied)
            {
                return denied;
            }

            registry = RegistryNames.Canonical(registry) ?? registry;
            if (registry is not null && !RegistryNames.IsKnown(registry))
            {
                return Problems.InvalidQuery("registry", "one of " + string.Join(", ", RegistryNames.All));
            }

            long position = 0;
            if (after is not null && (!long.TryParse(after, NumberStyles.None, CultureInfo.InvariantCulture, out position)))
            {
                return Problems.InvalidQuery("after", "a position: a page's next, or 0 for the beginning");
            }

            var changes = await reader.ChangesAsync(unit ?? user.UnitCodeOf(), registry, position, take, ct);
            var items = changes.ConvertAll(c => new ChangeItem(c.Position, c.Registry, c.Id, c.UnitCode, c.Action, c.Version, c.ChangedFields, c.Source, c.CollectedBy, c.At));
            // A feed's cursor never runs out: the last position read, or where the caller stood when nothing is new.
            var next = items.Count > 0 ? items[^1].Position.ToString(CultureInfo.InvariantCulture) : after;
            return TypedResults.Ok(new Page<ChangeItem>(items, next));
        })
        .WithName("ListRegistryChanges")
        .WithSummary("The registries' change feed (一次采集、多次利用) within the unit (default: the caller's), oldest first, paged by position")
        .WithDescription("`after` = the previous page's `next` (a position; 0 or absent for the beginning); `next` is always the position to resume "
            + "from — an empty page means caught up. `registry` narrows to one registry. Each change names its record, action "
            + "(create|update|remove), version, the fields it changed (names only, never values), source, collector and time.");

        return group;
    }

    private static RegistryRecordView View(RegistryRecord record, RegistryTable table, bool unmasked)
    {
        var fields = record.Fields.DeepClone().AsObject();
        if (!unmasked)
        {
            foreach (var field in table.Fields.Where(f => f.Personal))
            {
                if (fields[field.Name] is JsonValue value && value.TryGetValue<string>(out var text))
                {
                    fields[field.Name] = RegistryReads.Mask(field, text);
                }
            }
        }

        return new RegistryRecordView(record.Registry, record.Id, record.UnitCode, record.Version, record.Source, record.CollectedBy,
            record.CollectedAt, record.RemovedAt, fields, record.Provenance);
    }

    private static SearchHit View(RegistryHit hit, bool unmasked)
    {
        var d = hit.Details;
        var (title, snippet) = hit.Registry switch
        {
            RegistryNames.Population => (unmasked ? hit.Title : PersonalDataMasking.Name(hit.Title),
                Join(d[0], d[1] == "floating" ? "流动人口" : "户籍人口", d[2].Length > 0 ? "居住登记至 " + d[2] : "")),
            RegistryNames.Addresses => (hit.Title, "标准地址"),
            RegistryNames.Housing => (hit.Title, Join("实有房屋", Labels.GetValueOrDefault(d[0], d[0]))),
            RegistryNames.Organisations => (hit.Title, Join(Labels.GetValueOrDefault(d[0], d[0]), d[1])),
            RegistryNames.KeyPlaces => (hit.Title, Join(Labels.GetValueOrDefault(d[0], d[0]),
                $"人防{Labels[d[1]]} 物防{Labels[d[2]]} 技防{Labels[d[3]]}", d[4].Length > 0 ? "下次检查 " + d[4] : "")),
            _ => (ComponentCategories.NameOf(hit.Title) + " " + d[0], Join("城市部件", Labels.GetValueOrDefault(d[1], d[1]))),
        };
        return new SearchHit(hit.Registry, hit.Id, title, hit.UnitCode, snippet);
    }

    private static string Join(params string[] parts) => string.Join(" · ", parts.Where(p => p.Length > 0));

    /// <summary>zh-CN labels of the registries' choice values, for snippets.</summary>
    private static readonly Dictionary<string, string> Labels = new(StringComparer.Ordinal)
    {
        ["owner-occupied"] = "自住", ["rented"] = "出租", ["vacant"] = "空置",
        ["enterprise"] = "企业", ["shop"] = "个体商户", ["social-organisation"] = "社会组织", ["property-management"] = "物业服务企业", ["residents-committee"] = "居委会",
        ["school"] = "学校", ["hospital"] = "医院", ["market"] = "市场", ["compound"] = "院落",
        ["met"] = "达标", ["partial"] = "部分达标", ["unmet"] = "未达标",
        ["normal"] = "完好", ["damaged"] = "损坏", ["missing"] = "丢失", ["obstructed"] = "占用",
    };
}
