using System.Net;
using System.Net.Sockets;

namespace OpsCentre.Grains.Notifications;

/// <summary>
/// Where a webhook may go (docs/notifications.md, "Where webhooks may go"): an <c>http</c>/<c>https</c> URL to a public
/// address. Loopback, link-local (cloud metadata at 169.254.169.254 among them), private, shared (CGNAT, 100.100.100.200 among
/// them), unique-local and other non-public ranges are refused, unless the host is one of the administrator's
/// <see cref="NotificationOptions.AllowedHosts"/>. Checked twice: on the URL when a subscription is made (an address written
/// in it, or a name that is local by definition) and on every address the name resolves to when a notification is sent, so a
/// name that later points inside (DNS rebinding) is refused at the connection.
/// </summary>
public static class WebhookTargets
{
    /// <summary>Names that mean this machine or its network whatever DNS says.</summary>
    private static readonly string[] LocalNames = ["localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"];

    private static readonly string[] LocalSuffixes = [".localhost", ".local", ".internal", ".home.arpa"];

    /// <summary>Why the URL may not be subscribed (a problem's detail for the field <c>url</c>), or null when it may.</summary>
    public static string? RefusalOf(Uri url, IReadOnlyCollection<string> allowedHosts)
    {
        if (url.Scheme is not ("http" or "https"))
        {
            return "only http and https";
        }

        var host = url.IdnHost.TrimEnd('.');
        if (IsAllowed(host, allowedHosts))
        {
            return null;
        }

        if (IPAddress.TryParse(host.Trim('[', ']'), out var address))
        {
            return IsPublic(address) ? null : $"{address} is not a public address (loopback, link-local, private or metadata); an administrator may list the host in Notifications:AllowedHosts";
        }

        var name = host.ToLowerInvariant();
        return LocalNames.Contains(name) || LocalSuffixes.Any(name.EndsWith)
            ? $"{name} names a local host; an administrator may list it in Notifications:AllowedHosts"
            : null;
    }

    /// <summary>Whether the host (a name or an address, as in the URL) is one the administrator allowed, whatever it resolves to.</summary>
    public static bool IsAllowed(string host, IReadOnlyCollection<string> allowedHosts)
    {
        var bare = host.Trim('[', ']').TrimEnd('.');
        return allowedHosts.Any(h => string.Equals(h.Trim().Trim('[', ']').TrimEnd('.'), bare, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Whether a notification may be sent to this address: a unicast address of the public internet.</summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return !(b[0] == 0                                   // 0.0.0.0/8 "this network"
                || b[0] == 10                                    // private
                || b[0] == 127                                   // loopback
                || (b[0] == 100 && (b[1] & 0xC0) == 64)          // 100.64.0.0/10 shared (CGNAT; Alibaba Cloud's metadata 100.100.100.200)
                || (b[0] == 169 && b[1] == 254)                  // link-local (cloud metadata 169.254.169.254)
                || (b[0] == 172 && (b[1] & 0xF0) == 16)          // private
                || (b[0] == 192 && b[1] == 0 && b[2] == 0)       // IETF protocol assignments
                || (b[0] == 192 && b[1] == 0 && b[2] == 2)       // documentation
                || (b[0] == 192 && b[1] == 168)                  // private
                || (b[0] == 198 && (b[1] & 0xFE) == 18)          // benchmarking
                || (b[0] == 198 && b[1] == 51 && b[2] == 100)    // documentation
                || (b[0] == 203 && b[1] == 0 && b[2] == 113)     // documentation
                || b[0] >= 224);                                 // multicast, reserved, broadcast
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }

        var v6 = address.GetAddressBytes();
        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.IPv6None) || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal
            || address.IsIPv6Multicast || address.IsIPv6UniqueLocal || address.IsIPv6Teredo)
        {
            return false;
        }

        // 64:ff9b::/96 (NAT64) and 2002::/16 (6to4) carry an IPv4 address: judged by it.
        if (v6[0] == 0x00 && v6[1] == 0x64 && v6[2] == 0xff && v6[3] == 0x9b && v6[4..12].All(x => x == 0))
        {
            return IsPublic(new IPAddress(v6[12..16]));
        }

        if (v6[0] == 0x20 && v6[1] == 0x02)
        {
            return IsPublic(new IPAddress(v6[2..6]));
        }

        // Only global unicast (2000::/3), and not documentation (2001:db8::/32).
        return (v6[0] & 0xE0) == 0x20 && !(v6[0] == 0x20 && v6[1] == 0x01 && v6[2] == 0x0d && v6[3] == 0xb8);
    }

    /// <summary>
    /// Connects to the first address of <paramref name="host"/> that may be used (every address when the host is allowed), for
    /// <see cref="System.Net.Http.SocketsHttpHandler.ConnectCallback"/>: resolving here and connecting to what was checked leaves no
    /// gap for a name to resolve differently in between. Throws <see cref="WebhookTargetRefused"/> when none may.
    /// </summary>
    public static async Task<Stream> ConnectAsync(string host, int port, IReadOnlyCollection<string> allowedHosts, CancellationToken cancellationToken)
    {
        var allowed = IsAllowed(host, allowedHosts);
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
        var usable = allowed ? addresses : [.. addresses.Where(IsPublic)];
        if (usable.Length == 0)
        {
            throw new WebhookTargetRefused(addresses.Length == 0
                ? $"{host} resolves to no address"
                : $"{host} resolves to {string.Join(", ", addresses.Select(a => a.ToString()))}: not a public address (loopback, link-local, private or metadata), and not in Notifications:AllowedHosts");
        }

        Exception? last = null;
        foreach (var address in usable)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw last!;
    }
}

/// <summary>A webhook's host resolves only to addresses a notification may not go to; the attempt is refused without a connection.</summary>
public sealed class WebhookTargetRefused(string message) : IOException(message);
