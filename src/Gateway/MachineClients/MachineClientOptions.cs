using System.ComponentModel.DataAnnotations;

namespace OpsCentre.Gateway.MachineClients;

/// <summary>Machine clients' settings (section <c>MachineClients</c>); their tokens' lifetime and signing key are the operators' (<c>Auth</c>).</summary>
public sealed class MachineClientOptions
{
    public const string Section = "MachineClients";

    /// <summary>
    /// How long a client's secrets from before a rotation keep working after it, so a departmental system can roll the new one
    /// out to all its processes. Default 24 hours (<c>1.00:00:00</c>); 0 ends the old secrets at once; at most 30 days.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00")]
    public TimeSpan SecretOverlap { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Requests per second a client is allowed on average unless its registration says otherwise. Default 20.</summary>
    [Range(1, 100_000)]
    public int DefaultPerSecond { get; set; } = 20;

    /// <summary>Requests a client may make at once unless its registration says otherwise (a token bucket's size). Default 100.</summary>
    [Range(1, 1_000_000)]
    public int DefaultBurst { get; set; } = 100;
}
