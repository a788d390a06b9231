using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace OpsCentre.Integration.Tests.Notifications;

/// <summary>
/// A webhook receiver: a real HTTP server (HttpListener on 127.0.0.1) that the silos' dispatchers POST to. It keeps every
/// request as received — path and query, headers, the raw body — and answers what <see cref="Answer"/> says for the n-th
/// request (1-based) it has had.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    /// <summary>A request as received.</summary>
    public sealed record Received(string PathAndQuery, IReadOnlyDictionary<string, string> Headers, string Body, DateTimeOffset At)
    {
        public string Header(string name) => Headers.TryGetValue(name, out var value) ? value : "";
    }

    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<Received> _received = new();
    private readonly Task _loop;
    private int _count;

    public WebhookReceiver()
    {
        Url = new Uri($"http://127.0.0.1:{Testing.FreePort.Next()}/");
        _listener.Prefixes.Add(Url.ToString());
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public Uri Url { get; }

    /// <summary>What to answer the n-th request: a status and, optionally, a <c>Retry-After</c> in seconds. Default 200.</summary>
    public Func<int, (int Status, int? RetryAfterSeconds)> Answer { get; set; } = _ => (200, null);

    /// <summary>The body of a 200 (a robot's <c>{"errcode":0}</c>, say).</summary>
    public string OkBody { get; set; } = "{}";

    public IReadOnlyList<Received> Requests => [.. _received];

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var headers = context.Request.Headers.AllKeys.Where(k => k is not null).ToDictionary(k => k!, k => context.Request.Headers[k]!, StringComparer.OrdinalIgnoreCase);
            _received.Enqueue(new Received(context.Request.RawUrl ?? "", headers, body, DateTimeOffset.UtcNow));
            var (status, retryAfter) = Answer(Interlocked.Increment(ref _count));
            context.Response.StatusCode = status;
            if (retryAfter is { } seconds)
            {
                context.Response.AddHeader("Retry-After", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            var answer = Encoding.UTF8.GetBytes(status == 200 ? OkBody : "{\"error\":\"test receiver refuses\"}");
            context.Response.ContentType = "application/json";
            await context.Response.OutputStream.WriteAsync(answer);
            context.Response.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
    }
}
