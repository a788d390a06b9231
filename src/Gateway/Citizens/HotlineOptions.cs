using System.ComponentModel.DataAnnotations;
using OpsCentre.Grains.Incidents;

namespace OpsCentre.Gateway.Citizens;

/// <summary>The 12345 hotline's settings (section <c>Hotline</c>): its feedback deadlines by the call's urgency class.</summary>
public sealed class HotlineOptions : IValidatableObject
{
    public const string Section = "Hotline";

    /// <summary>The urgency classes a call is taken in, most urgent first.</summary>
    public static IReadOnlyList<string> Classes { get; } = ["emergency", "utilities", "general", "complex"];

    /// <summary>
    /// The feedback deadline (反馈时限) of each urgency class, as an ISO 8601 duration from when the call was taken: emergency
    /// (紧急) PT2H, utilities (水电气等公共服务) PT24H, general (一般) P7D, complex (疑难复杂) P15D. A duration of whole days ends at
    /// 24:00 Asia/Shanghai of its last day. The case's stage deadlines never lie after it.
    /// </summary>
    public Dictionary<string, string> FeedbackDeadlines { get; set; } = new(StringComparer.Ordinal)
    {
        ["emergency"] = "PT2H", ["utilities"] = "PT24H", ["general"] = "P7D", ["complex"] = "P15D",
    };

    /// <summary>
    /// The feedback deadline of a call of <paramref name="urgencyClass"/> taken at <paramref name="takenAt"/>, in UTC. A duration in
    /// hours or minutes (PT24H) is exact; one in days only (P7D) ends at 24:00 Asia/Shanghai of its last day, as case deadlines do.
    /// </summary>
    public DateTimeOffset FeedbackDue(string urgencyClass, DateTimeOffset takenAt)
    {
        var duration = FeedbackDeadlines[urgencyClass];
        return (duration.Contains('T', StringComparison.Ordinal) ? takenAt + System.Xml.XmlConvert.ToTimeSpan(duration) : IncidentDeadlines.Add(takenAt, duration))
            .ToUniversalTime();
    }

    /// <summary>The case urgency a class is handled with: an emergency call is an urgent case, any other a normal one.</summary>
    public static string UrgencyOf(string urgencyClass) => urgencyClass == "emergency" ? "urgent" : "normal";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var urgencyClass in Classes)
        {
            if (!FeedbackDeadlines.TryGetValue(urgencyClass, out var duration) || !IncidentDeadlines.IsValidSetting(duration))
            {
                yield return new ValidationResult($"Hotline:FeedbackDeadlines:{urgencyClass} must be an ISO 8601 duration such as PT2H or P7D",
                    [nameof(FeedbackDeadlines)]);
            }
        }
    }
}
