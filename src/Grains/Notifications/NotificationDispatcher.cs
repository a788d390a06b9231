using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using OpsCentre.Database.Notifications;
using OpsCentre.Grains.Map;

namespace OpsCentre.Grains.Notifications;

/// <summary>
/// Sends the outbox (<c>notification</c>): hosted in every silo, it claims due notifications with FOR UPDATE SKIP LOCKED (so
/// silos share the work and never send one row twice at once), POSTs each to its subscription's receiver, and records the
/// outcome — delivered on a 2xx (for the robot formats, a 2xx whose <c>errcode</c> is 0), otherwise retried after an
/// exponential backoff (or the receiver's <c>Retry-After</c>) and dead-lettered after <see cref="NotificationOptions.MaxAttempts"/>.
/// It wakes on the trigger's <c>pg_notify</c>, at the next retry's due time, and every poll interval.
/// </summary>
public sealed partial class NotificationDispatcher : BackgroundService
{
    private const string ListenChannel = "notification_outbox";

    private readonly NpgsqlDataSource _db;
    private readonly NotificationStore _outbox;
    private readonly MapStore _map;
    private readonly TimeProvider _clock;
    private readonly NotificationOptions _options;
    private readonly ILogger<NotificationDispatcher> _logger;
    private readonly HttpClient _http;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public NotificationDispatcher(
        NpgsqlDataSource db, NotificationStore outbox, MapStore map, TimeProvider clock, IOptions<NotificationOptions> options, ILogger<NotificationDispatcher> logger)
    {
        _db = db;
        _outbox = outbox;
        _map = map;
        _clock = clock;
        _options = options.Value;
        _logger = logger;
        // Redirects are not followed: a receiver's URL is what an administrator entered, nothing it points elsewhere to. No
        // proxy, and every connection made here to an address checked after resolving the name (WebhookTargets): a webhook
        // never reaches loopback, link-local, private or metadata addresses unless the host is in AllowedHosts.
        var allowedHosts = _options.AllowedHosts.ToArray();
        _http = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(2), UseProxy = false,
            ConnectCallback = (context, ct) => new ValueTask<Stream>(WebhookTargets.ConnectAsync(context.DnsEndPoint.Host, context.DnsEndPoint.Port, allowedHosts, ct)),
        })
        {
            Timeout = _options.RequestTimeout,
        };
    }

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            return;
        }

        var listening = ListenAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                var sent = await DispatchDueAsync(stoppingToken);
                if (sent == _options.BatchSize)
                {
                    continue;
                }

                wait = await _outbox.NextDueAsync(stoppingToken) is { } due ? Clamp(due - _clock.GetUtcNow()) : _options.PollInterval;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // The database is out of reach, or a row could not be recorded: nothing is lost (the rows wait in the outbox, a
                // claimed one until its lease ends); look again after a poll interval rather than stop the silo.
                LogOutboxUnreachable(ex);
                wait = _options.PollInterval;
            }

            using var timeout = new CancellationTokenSource(wait, _clock);
            using var either = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, timeout.Token);
            try
            {
                await _wake.Reader.ReadAsync(either.Token);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
            }
        }

        await listening;
    }

    /// <summary>Claims one batch of due notifications and attempts each once, in parallel; returns how many it claimed.</summary>
    public async Task<int> DispatchDueAsync(CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow();
        // The lease outlasts an attempt: a row is claimable again only if this dispatcher died holding it.
        var claimed = await _outbox.ClaimAsync(now, now + _options.RequestTimeout * 2 + TimeSpan.FromSeconds(5), _options.BatchSize, cancellationToken);
        await Parallel.ForEachAsync(claimed, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (notification, ct) => await AttemptAsync(notification, ct));
        return claimed.Count;
    }

    private async Task AttemptAsync(ClaimedNotification notification, CancellationToken cancellationToken)
    {
        var unitName = (await _map.FindAsync(notification.UnitCode, cancellationToken))?.Name;
        int? status = null;
        string? error;
        TimeSpan? retryAfter = null;
        var refused = false;
        try
        {
            var request = WebhookMessage.Build(notification, unitName, _options.ConsoleUrl, _clock.GetUtcNow());
            using var message = new HttpRequestMessage(HttpMethod.Post, request.Url) { Content = new StringContent(request.Body, Encoding.UTF8, "application/json") };
            foreach (var (name, value) in request.Headers)
            {
                message.Headers.TryAddWithoutValidation(name, value);
            }

            using var response = await _http.SendAsync(message, cancellationToken);
            status = (int)response.StatusCode;
            var answer = await ReadAnswerAsync(response, cancellationToken);
            error = response.IsSuccessStatusCode ? RobotError(notification.Format, answer) : $"HTTP {status}";
            retryAfter = RetryAfter(response);
        }
        catch (HttpRequestException ex) when (ex.InnerException is WebhookTargetRefused target)
        {
            // Not a public address and not allowed: nothing was sent, and trying again would not change that (dead at once).
            error = "refused: " + target.Message;
            refused = true;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException or UriFormatException or JsonException
            && !cancellationToken.IsCancellationRequested)
        {
            error = ex is TaskCanceledException ? $"no answer within {_options.RequestTimeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s" : ex.Message;
        }

        var at = _clock.GetUtcNow();
        if (error is null)
        {
            await _outbox.DeliveredAsync(notification.Id, at, status.GetValueOrDefault(), CancellationToken.None);
            LogDelivered(notification.Id, notification.SubscriptionId, notification.Attempt);
            return;
        }

        var delay = retryAfter is { } asked && asked > TimeSpan.Zero ? (asked < _options.MaxRetryAfter ? asked : _options.MaxRetryAfter) : _options.Backoff(notification.Attempt);
        var dead = await _outbox.FailedAsync(notification.Id, status, error, at + delay, refused ? notification.Attempt : _options.MaxAttempts, CancellationToken.None);
        if (dead)
        {
            LogDeadLettered(notification.Id, notification.SubscriptionId, notification.Attempt, error);
        }
        else
        {
            LogRetrying(notification.Id, notification.SubscriptionId, notification.Attempt, error, delay);
        }
    }

    /// <summary>At most 4 KB of the receiver's answer: the robots say in their body whether they took the message.</summary>
    private static async Task<string> ReadAnswerAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[4096];
        var read = 0;
        int n;
        while (read < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken)) > 0)
        {
            read += n;
        }

        return Encoding.UTF8.GetString(buffer, 0, read);
    }

    /// <summary>企业微信 and 钉钉 answer 200 with <c>{"errcode":…,"errmsg":…}</c>; a non-zero code is a failure (a bad key, a bad sign, a rate limit).</summary>
    private static string? RobotError(string format, string answer)
    {
        if (format == WebhookFormats.Json)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(answer);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("errcode", out var code)
                && code.ValueKind == JsonValueKind.Number && code.GetInt64() != 0
                ? $"errcode {code.GetInt64()}: " + (document.RootElement.TryGetProperty("errmsg", out var msg) ? msg.ToString() : "")
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response) => response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable
        ? response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - _clock.GetUtcNow(),
            _ => null,
        }
        : null;

    /// <summary>LISTEN on the trigger's channel; every notification wakes the loop. Reconnects after a loss of the database.</summary>
    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await _db.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, _) => _wake.Writer.TryWrite(true);
                await using (var listen = new NpgsqlCommand("LISTEN " + ListenChannel, connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                // Anything committed while not listening is found by this look.
                _wake.Writer.TryWrite(true);
                while (!stoppingToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException or IOException)
            {
                LogListenLost(ex);
                try
                {
                    await Task.Delay(_options.PollInterval, _clock, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private TimeSpan Clamp(TimeSpan wait) =>
        wait <= TimeSpan.Zero ? TimeSpan.FromMilliseconds(1) : wait > _options.PollInterval ? _options.PollInterval : wait;

    [LoggerMessage(Level = LogLevel.Information, Message = "Notification {Id} delivered to subscription {SubscriptionId} at attempt {Attempt}")]
    private partial void LogDelivered(long id, string subscriptionId, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notification {Id} to subscription {SubscriptionId} failed at attempt {Attempt} ({Error}); retried in {Delay}")]
    private partial void LogRetrying(long id, string subscriptionId, int attempt, string error, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Error, Message = "Notification {Id} to subscription {SubscriptionId} dead-lettered after attempt {Attempt} ({Error})")]
    private partial void LogDeadLettered(long id, string subscriptionId, int attempt, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The notification outbox is out of reach; the dispatcher looks again")]
    private partial void LogOutboxUnreachable(Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "The dispatcher lost its LISTEN connection; it reconnects")]
    private partial void LogListenLost(Exception exception);
}
