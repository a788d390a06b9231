using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;
using System.Text;

namespace OpsCentre.Integration.Tests.Operations;

/// <summary>
/// An OTLP/HTTP receiver (<c>POST /v1/traces</c>, protobuf) that the system's processes export their spans to
/// (<c>Telemetry:OtlpEndpoint</c>), so a test reads the traces the real exporters sent. The processes are not in this
/// one, so an in-memory exporter cannot serve; OTLP is the export an operator turns on, so the test goes through it. Only
/// the few fields a test looks at are read from the protobuf wire format (opentelemetry-proto's trace.proto and
/// common.proto field numbers); everything else is skipped. Metrics sent to <c>/v1/metrics</c> are accepted and dropped.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    /// <summary>One span as received: the process that sent it (<c>service.name</c>), its instrumentation scope, ids and name.</summary>
    public sealed record Span(string Service, string Scope, string TraceId, string SpanId, string ParentSpanId, string Name, int Kind);

    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<Span> _spans = new();
    private readonly Task _loop;

    public OtlpReceiver()
    {
        var port = Testing.FreePort.Next();
        Endpoint = new Uri($"http://127.0.0.1:{port}/");
        _listener.Prefixes.Add(Endpoint.ToString());
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    /// <summary>The base address for <c>Telemetry:OtlpEndpoint</c>.</summary>
    public Uri Endpoint { get; }

    /// <summary>Every span received so far.</summary>
    public IReadOnlyList<Span> Spans => [.. _spans];

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

            using var body = new MemoryStream();
            var input = context.Request.Headers["Content-Encoding"] == "gzip"
                ? new GZipStream(context.Request.InputStream, CompressionMode.Decompress)
                : context.Request.InputStream;
            await input.CopyToAsync(body);
            if (context.Request.Url?.AbsolutePath == "/v1/traces")
            {
                foreach (var span in ReadTraces(body.ToArray()))
                {
                    _spans.Enqueue(span);
                }
            }

            // An empty Export…ServiceResponse: full success.
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/x-protobuf";
            context.Response.Close();
        }
    }

    /// <summary>ExportTraceServiceRequest: 1 resource_spans → (1 resource → 1 attributes), (2 scope_spans → 1 scope → 1 name, 2 spans).</summary>
    private static IEnumerable<Span> ReadTraces(byte[] request)
    {
        foreach (var resourceSpans in Fields(request).Where(f => f.Number == 1).Select(f => f.Bytes))
        {
            var service = "";
            foreach (var field in Fields(resourceSpans))
            {
                if (field.Number == 1)
                {
                    service = Attributes(field.Bytes).GetValueOrDefault("service.name", "");
                }
            }

            foreach (var scopeSpans in Fields(resourceSpans).Where(f => f.Number == 2).Select(f => f.Bytes))
            {
                var scope = Fields(scopeSpans).Where(f => f.Number == 1).Select(f => Text(Fields(f.Bytes).FirstOrDefault(s => s.Number == 1).Bytes)).FirstOrDefault() ?? "";
                foreach (var span in Fields(scopeSpans).Where(f => f.Number == 2).Select(f => f.Bytes))
                {
                    var fields = Fields(span).ToList();
                    byte[] Of(int number) => fields.FirstOrDefault(f => f.Number == number).Bytes ?? [];
                    yield return new Span(service, scope, Convert.ToHexStringLower(Of(1)), Convert.ToHexStringLower(Of(2)), Convert.ToHexStringLower(Of(4)),
                        Text(Of(5)), (int)(fields.FirstOrDefault(f => f.Number == 6).Varint));
                }
            }
        }
    }

    /// <summary>Resource attributes: KeyValue (1 key, 2 AnyValue → 1 string_value), string values only.</summary>
    private static Dictionary<string, string> Attributes(byte[]? resource)
    {
        var attributes = new Dictionary<string, string>();
        foreach (var keyValue in Fields(resource).Where(f => f.Number == 1).Select(f => f.Bytes))
        {
            var fields = Fields(keyValue).ToList();
            var key = Text(fields.FirstOrDefault(f => f.Number == 1).Bytes);
            var value = fields.FirstOrDefault(f => f.Number == 2).Bytes is { } any ? Text(Fields(any).FirstOrDefault(f => f.Number == 1).Bytes) : "";
            attributes[key] = value;
        }

        return attributes;
    }

    private static string Text(byte[]? bytes) => bytes is null ? "" : Encoding.UTF8.GetString(bytes);

    private readonly record struct Field(int Number, ulong Varint, byte[]? Bytes);

    /// <summary>The top-level fields of one protobuf message (wire types 0, 1, 2 and 5).</summary>
    private static IEnumerable<Field> Fields(byte[]? message)
    {
        if (message is null)
        {
            yield break;
        }

        var position = 0;
        while (position < message.Length)
        {
            var tag = Varint(message, ref position);
            var number = (int)(tag >> 3);
            switch ((int)(tag & 7))
            {
                case 0:
                    yield return new Field(number, Varint(message, ref position), null);
                    break;
                case 1:
                    position += 8;
                    yield return new Field(number, 0, null);
                    break;
                case 2:
                    var length = (int)Varint(message, ref position);
                    yield return new Field(number, 0, message[position..(position + length)]);
                    position += length;
                    break;
                case 5:
                    position += 4;
                    yield return new Field(number, 0, null);
                    break;
                default:
                    throw new InvalidDataException($"protobuf wire type {tag & 7} at {position}");
            }
        }
    }

    private static ulong Varint(byte[] message, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = message[position++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
    }
}
