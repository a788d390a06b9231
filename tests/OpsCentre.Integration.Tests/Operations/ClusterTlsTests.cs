using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using OpsCentre.Testing;

namespace OpsCentre.Integration.Tests.Operations;

/// <summary>
/// TLS between a gateway and its silo (<c>Orleans:Tls</c>): a pair given a certificate generated here (self-signed, pinned by
/// its thumbprint) forms a cluster of its own and serves requests through its grains; a gateway without TLS cannot join it.
/// </summary>
[Collection(nameof(SystemCollection))]
public sealed class ClusterTlsTests(SystemFixture system)
{
    [Fact]
    public async Task ASiloAndAGatewayConfiguredForTlsFormAClusterThatAPlainGatewayCannotJoin()
    {
        var folder = Directory.CreateTempSubdirectory("opscentre-tls-");
        try
        {
            const string password = "tls-test-password";
            using var certificate = SelfSigned();
            var path = Path.Combine(folder.FullName, "cluster.pfx");
            await File.WriteAllBytesAsync(path, certificate.Export(X509ContentType.Pfx, password));

            var cluster = "tls-" + Guid.NewGuid().ToString("N")[..8];
            var tls = new Dictionary<string, string>
            {
                ["Orleans__ClusterId"] = cluster,
                ["Orleans__Tls__CertificatePath"] = path,
                ["Orleans__Tls__CertificatePassword"] = password,
                ["Orleans__Tls__AllowedThumbprints__0"] = certificate.Thumbprint,
            };
            var silo = system.StartSilo("tls-silo", tls);
            var (gateway, url) = system.StartGateway("tls-gateway", settings: tls);
            using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(30) };
            await SystemFixture.WaitForActiveSilosAsync(http, 1);

            // A request that needs the grains: the unit's live counters come from its unit grain, over the TLS connection.
            var token = await Api.TokenAsync(http, "jinjiang.operator");
            var (status, unit) = await Api.SendAsync(http, HttpMethod.Get, "/api/v1/units/510104", token);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("510104", unit.GetProperty("code").GetString());

            // The same cluster without a certificate: the silo refuses the plain connection, so the gateway's Orleans client
            // keeps retrying (it starts listening only once connected) and is never ready.
            var (plain, plainUrl) = system.StartGateway("plain-gateway", settings: new() { ["Orleans__ClusterId"] = cluster });
            using var plainHttp = new HttpClient { BaseAddress = plainUrl, Timeout = TimeSpan.FromSeconds(5) };
            await Consistently.HoldsAsync(async () => !await ReadyAsync(plainHttp), TimeSpan.FromSeconds(10), "the plain gateway not ready against a TLS-only cluster");
            await Eventually.HoldsAsync(() => File.ReadAllTextAsync(plain.LogPath), log => log.Contains("Cluster not reachable yet", StringComparison.Ordinal),
                TimeSpan.FromSeconds(30), "the plain gateway saying it cannot reach the cluster");

            await plain.StopAsync(TimeSpan.FromSeconds(10));
            await gateway.StopAsync(TimeSpan.FromSeconds(10));
            await silo.StopAsync(TimeSpan.FromSeconds(10));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static async Task<bool> ReadyAsync(HttpClient http)
    {
        try
        {
            using var response = await http.GetAsync("/health/ready");
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    /// <summary>A certificate for both ends of a TLS connection (server and client authentication), valid for a day.</summary>
    private static X509Certificate2 SelfSigned()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=opscentre-cluster-test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, critical: false));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
    }
}
