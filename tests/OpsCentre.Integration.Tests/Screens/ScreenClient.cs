using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace OpsCentre.Integration.Tests.Screens;

/// <summary>A wall screen as the official .NET SignalR client sees the hub.</summary>
public sealed class ScreenClient : IAsyncDisposable
{
    public sealed record Envelope(long Seq, string DistrictCode, string UnitCode, string Type, DateTimeOffset At, JsonElement Data);

    public sealed record Watermark(string DistrictCode, long Seq);

    private readonly HubConnection _connection;
    private readonly Channel<Envelope> _events = Channel.CreateUnbounded<Envelope>();
    private readonly Channel<Watermark> _watermarks = Channel.CreateUnbounded<Watermark>();
    private readonly Channel<JsonElement> _live = Channel.CreateUnbounded<JsonElement>();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>When each event arrived (<see cref="System.Diagnostics.Stopwatch"/> timestamps), by district and seq.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<(string District, long Seq), long> ArrivedAt { get; } = new();

    /// <summary>Every event received, in arrival order (kept even when taken from the queue).</summary>
    public System.Collections.Concurrent.ConcurrentQueue<Envelope> History { get; } = new();

    /// <summary>Every live item received, in arrival order (kept even when taken from the queue).</summary>
    public System.Collections.Concurrent.ConcurrentQueue<JsonElement> LiveHistory { get; } = new();

    /// <summary>When the gateway sent each <c>Live</c> batch (its <c>at</c>: the feed's tick).</summary>
    public System.Collections.Concurrent.ConcurrentQueue<DateTimeOffset> LiveBatchesAt { get; } = new();

    /// <summary>Completes when the server (or the network) closes the connection.</summary>
    public Task Closed => _closed.Task;

    /// <summary>Why the connection closed, when it closed with an error (a hub error the server sent as it closed).</summary>
    public Exception? CloseError { get; private set; }

    /// <summary>Each district's head as the last <c>Subscribe</c> answered it.</summary>
    public Dictionary<string, long> Head { get; private set; } = [];

    private ScreenClient(HubConnection connection, Func<Envelope, bool>? only)
    {
        _connection = connection;
        _connection.On<Envelope>("Event", e =>
        {
            ArrivedAt[(e.DistrictCode, e.Seq)] = System.Diagnostics.Stopwatch.GetTimestamp();
            History.Enqueue(e);
            if (only?.Invoke(e) ?? true)
            {
                _events.Writer.TryWrite(e);
            }
        });
        _connection.On<Watermark>("Watermark", w => _watermarks.Writer.TryWrite(w));
        _connection.On<JsonElement>("Live", batch =>
        {
            LiveBatchesAt.Enqueue(batch.GetProperty("at").GetDateTimeOffset());
            foreach (var item in batch.GetProperty("items").EnumerateArray())
            {
                LiveHistory.Enqueue(item.Clone());
                _live.Writer.TryWrite(item.Clone());
            }
        });
        _connection.Closed += error =>
        {
            CloseError = error;
            _closed.TrySetResult();
            return Task.CompletedTask;
        };
    }

    /// <summary>Every live item received so far (and not yet taken by <see cref="LiveItemAsync"/>).</summary>
    public List<JsonElement> DrainLive()
    {
        var items = new List<JsonElement>();
        while (_live.Reader.TryRead(out var item))
        {
            items.Add(item);
        }

        return items;
    }

    /// <summary>Every event received so far and not yet taken.</summary>
    public List<Envelope> DrainEvents()
    {
        var events = new List<Envelope>();
        while (_events.Reader.TryRead(out var e))
        {
            events.Add(e);
        }

        return events;
    }


    /// <summary>
    /// Connects over WebSockets with the token in the query string, as a browser does. With <paramref name="only"/>,
    /// the events a test reads (<see cref="ReceiveAsync"/>, <see cref="AssertNoMoreEventsAsync(TimeSpan)"/>) are those it
    /// picks: a district's screen also hears other tests' devices come and go, and their alerts. <see cref="History"/>
    /// keeps every event.
    /// </summary>
    public static async Task<ScreenClient> ConnectAsync(Uri gateway, string accessToken, Func<Envelope, bool>? only = null)
    {
        var url = new Uri(gateway, "/hubs/ops?access_token=" + Uri.EscapeDataString(accessToken));
        var connection = new HubConnectionBuilder()
            .WithUrl(url, o =>
            {
                o.Transports = HttpTransportType.WebSockets;
                o.SkipNegotiation = true;
            })
            .Build();
        var client = new ScreenClient(connection, only);
        await connection.StartAsync();
        return client;
    }

    /// <summary>Calls <c>Subscribe</c>; returns the cursor the server starts from.</summary>
    public async Task<Dictionary<string, long>> SubscribeAsync(string unitCode, Dictionary<string, long>? cursor = null)
    {
        var result = await _connection.InvokeAsync<JsonElement>("Subscribe", unitCode, cursor);
        Head = result.GetProperty("head").Deserialize<Dictionary<string, long>>()!;
        return result.GetProperty("cursor").Deserialize<Dictionary<string, long>>()!;
    }

    public Task UnsubscribeAsync(string unitCode) => _connection.InvokeAsync("Unsubscribe", unitCode);

    /// <summary>The next <paramref name="count"/> events, failing if they do not all arrive in time.</summary>
    public async Task<List<Envelope>> ReceiveAsync(int count, int timeoutSeconds = 15)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        var received = new List<Envelope>();
        try
        {
            while (received.Count < count)
            {
                received.Add(await _events.Reader.ReadAsync(timeout.Token));
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"expected {count} event(s), got {received.Count}: {string.Join(", ", received.Select(e => e.Seq))}");
        }

        return received;
    }

    /// <summary>The next event that matches, passing over others; fails if none arrives in time.</summary>
    public async Task<Envelope> ReceiveMatchingAsync(Func<Envelope, bool> match, string what, int timeoutSeconds = 15)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        var passed = new List<string>();
        try
        {
            while (true)
            {
                var next = await _events.Reader.ReadAsync(timeout.Token);
                if (match(next))
                {
                    return next;
                }

                passed.Add(next.Type);
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"no {what} within {timeoutSeconds} s; passed over: {string.Join(", ", passed)}");
            throw;
        }
    }

    /// <summary>Fails if any event arrives within <paramref name="quietPeriod"/>.</summary>
    public Task AssertNoMoreEventsAsync(TimeSpan quietPeriod) => Testing.Consistently.HoldsAsync(
        () => Task.FromResult(_events.Reader.TryPeek(out var extra) ? extra : null), extra => extra is null, quietPeriod, "no further event",
        extra => $"unexpected event seq {extra?.Seq} {extra?.UnitCode}");

    /// <summary>Waits for a watermark of <paramref name="district"/> at or beyond <paramref name="seq"/>.</summary>
    public async Task<Watermark> WatermarkReachingAsync(string district, long seq, int timeoutSeconds = 15)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        while (true)
        {
            var watermark = await _watermarks.Reader.ReadAsync(timeout.Token);
            if (watermark.DistrictCode == district && watermark.Seq >= seq)
            {
                return watermark;
            }
        }
    }

    private readonly List<JsonElement> _liveSeen = [];

    /// <summary>The latest live item received so far that matches, else the next one to arrive; fails when none arrives in time.</summary>
    public async Task<JsonElement> LiveItemAsync(Func<JsonElement, bool> match, int timeoutSeconds = 15)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        while (true)
        {
            while (_live.Reader.TryRead(out var received))
            {
                _liveSeen.Add(received);
            }

            if (_liveSeen.LastOrDefault(match) is { ValueKind: JsonValueKind.Object } found)
            {
                return found;
            }

            _liveSeen.Add(await _live.Reader.ReadAsync(timeout.Token));
        }
    }

    public async ValueTask DisposeAsync() => await _connection.DisposeAsync();
}
