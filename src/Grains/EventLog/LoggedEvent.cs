namespace OpsCentre.Grains.EventLog;

/// <summary>A durable fact to append: what happened, where (unit code), who did it, and its data as JSON.</summary>
/// <param name="PayloadJson">A JSON object; carries the subject's id as <c>id</c> and never unmasked personal data.</param>
[GenerateSerializer, Immutable, Alias("ops.EventDraft")]
public sealed record EventDraft(
    [property: Id(0)] string UnitCode,
    [property: Id(1)] string Type,
    [property: Id(2)] string Actor,
    [property: Id(3)] DateTimeOffset OccurredAt,
    [property: Id(4)] string PayloadJson);

/// <summary>An event as committed to the log, with its district's gap-free sequence number.</summary>
[GenerateSerializer, Immutable, Alias("ops.LoggedEvent")]
public sealed record LoggedEvent(
    [property: Id(0)] string DistrictCode,
    [property: Id(1)] long Seq,
    [property: Id(2)] string UnitCode,
    [property: Id(3)] string Type,
    [property: Id(4)] DateTimeOffset OccurredAt,
    [property: Id(5)] string Actor,
    [property: Id(6)] string PayloadJson);

/// <summary>One caller's append: its drafts under the caller's operation id.</summary>
public sealed record AppendRequest(string Caller, string OpId, IReadOnlyList<EventDraft> Events);
