using System.ComponentModel.DataAnnotations;

namespace OpsCentre.Grains.Notifications;

/// <summary>How the silos' <see cref="NotificationDispatcher"/> sends the outbox (section <c>Notifications</c>, docs/notifications.md).</summary>
public sealed class NotificationOptions
{
    public const string Section = "Notifications";

    /// <summary>Whether this silo runs a dispatcher. Default true; any number of silos may, they share the outbox.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Attempts before a notification is dead-lettered (state <c>dead</c>). Default 8.</summary>
    [Range(1, 100, ErrorMessage = "Notifications:MaxAttempts must be between {1} and {2}")]
    public int MaxAttempts { get; set; } = 8;

    /// <summary>The wait after the first failed attempt; each further failure doubles it, up to <see cref="RetryMaxDelay"/>. Default 10 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00", ErrorMessage = "Notifications:RetryBaseDelay must be between {1} and {2}")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest wait between attempts of the backoff. Default 1 h.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "7.00:00:00", ErrorMessage = "Notifications:RetryMaxDelay must be between {1} and {2}")]
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The longest <c>Retry-After</c> of a receiver (429, 503) that is honoured; a longer one is cut to it. Default 1 h.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00", ErrorMessage = "Notifications:MaxRetryAfter must be between {1} and {2}")]
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long a receiver has to answer one POST. Default 10 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00", ErrorMessage = "Notifications:RequestTimeout must be between {1} and {2}")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How often the dispatcher looks at the outbox when nothing woke it (a commit wakes it at once through
    /// <c>pg_notify</c>; a retry's due time too). Default 5 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00", ErrorMessage = "Notifications:PollInterval must be between {1} and {2}")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Notifications claimed at once (and sent in parallel) by one dispatcher. Default 16.</summary>
    [Range(1, 500, ErrorMessage = "Notifications:BatchSize must be between {1} and {2}")]
    public int BatchSize { get; set; } = 16;

    /// <summary>
    /// Hosts (names or addresses, as written in a subscription's URL) that webhooks may reach although they are not public —
    /// loopback, link-local, private or metadata addresses are otherwise refused when subscribing and when sending
    /// (<see cref="WebhookTargets"/>). For a receiver inside the administrator's own network, and for the tests' receivers on
    /// 127.0.0.1. Default none.
    /// </summary>
    public List<string> AllowedHosts { get; set; } = [];

    /// <summary>Where the console is, for a link in each message (e.g. <c>https://ops.example.cn/console/</c>); none when unset.</summary>
    public string? ConsoleUrl { get; set; }

    /// <summary>The wait before attempt <paramref name="failedAttempt"/> + 1: base × 2^(n−1), at most <see cref="RetryMaxDelay"/>.</summary>
    public TimeSpan Backoff(int failedAttempt)
    {
        var factor = Math.Pow(2, Math.Clamp(failedAttempt - 1, 0, 30));
        var delay = TimeSpan.FromTicks((long)Math.Min(RetryBaseDelay.Ticks * factor, RetryMaxDelay.Ticks));
        return delay;
    }
}
