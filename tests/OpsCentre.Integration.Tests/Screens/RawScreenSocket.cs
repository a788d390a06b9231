using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace OpsCentre.Integration.Tests.Screens;

/// <summary>
/// A screen at the wire level: SignalR's JSON protocol over a raw WebSocket, so a test can stop
/// reading altogether, as a hung browser tab does (the official client keeps reading and buffers).
/// </summary>
public sealed class RawScreenSocket : IAsyncDisposable
{
    private const char RecordSeparator = '\u001e';
    private readonly ClientWebSocket _socket = new();
    private readonly StringBuilder _pending = new();

    public static async Task<RawScreenSocket> ConnectAsync(Uri gateway, string accessToken)
    {
        var raw = new RawScreenSocket();
        var url = new UriBuilder(gateway) { Scheme = "ws", Path = "/hubs/ops", Query = "access_token=" + Uri.EscapeDataString(accessToken) }.Uri;
        await raw._socket.ConnectAsync(url, CancellationToken.None);
        await raw.SendAsync("""{"protocol":"json","version":1}""");
        var handshake = await raw.ReceiveMessageAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("{}", handshake);
        return raw;
    }

    /// <summary>Invokes Subscribe and waits for its completion; returns the cursor.</summary>
    public async Task<Dictionary<string, long>> SubscribeAsync(string unitCode)
    {
        await SendAsync(JsonSerializer.Serialize(new { type = 1, invocationId = "1", target = "Subscribe", arguments = new object?[] { unitCode, null } }));
        while (true)
        {
            using var message = JsonDocument.Parse((await ReceiveMessageAsync(TimeSpan.FromSeconds(10)))!);
            if (message.RootElement.GetProperty("type").GetInt32() == 3)
            {
                return message.RootElement.GetProperty("result").GetProperty("cursor").Deserialize<Dictionary<string, long>>()!;
            }
        }
    }

    /// <summary>Reads everything the server sent until it closed the connection; returns the sequence numbers of the events (of the types <paramref name="only"/> picks).</summary>
    public async Task<(List<long> Seqs, bool ClosedByServer)> DrainUntilClosedAsync(TimeSpan timeout, Func<string, bool>? only = null)
    {
        var seqs = new List<long>();
        try
        {
            while (await ReceiveMessageAsync(timeout) is { } text)
            {
                using var message = JsonDocument.Parse(text);
                var root = message.RootElement;
                if (root.GetProperty("type").GetInt32() == 1 && root.GetProperty("target").GetString() == "Event"
                    && (only?.Invoke(root.GetProperty("arguments")[0].GetProperty("type").GetString() ?? "") ?? true))
                {
                    seqs.Add(root.GetProperty("arguments")[0].GetProperty("seq").GetInt64());
                }
                else if (root.GetProperty("type").GetInt32() == 7)
                {
                    return (seqs, true);
                }
            }

            return (seqs, true);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            return (seqs, ex is WebSocketException);
        }
    }

    private async Task SendAsync(string json) =>
        await _socket.SendAsync(Encoding.UTF8.GetBytes(json + RecordSeparator), WebSocketMessageType.Text, true, CancellationToken.None);

    /// <summary>The next protocol message, or null when the socket closed.</summary>
    private async Task<string?> ReceiveMessageAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var text = _pending.ToString();
            var end = text.IndexOf(RecordSeparator);
            if (end >= 0)
            {
                _pending.Remove(0, end + 1);
                return text[..end];
            }

            var result = await _socket.ReceiveAsync(buffer, cancel.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            _pending.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
        }
    }

    public ValueTask DisposeAsync()
    {
        _socket.Abort();
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
