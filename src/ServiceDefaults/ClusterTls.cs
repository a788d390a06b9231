using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Orleans.Connections.Security;
using Orleans.Hosting;

namespace OpsCentre.ServiceDefaults;

/// <summary>
/// TLS for the cluster's own traffic: silo to silo and gateway to silo (section <c>Orleans:Tls</c>; off by default).
/// Mutual: each side presents its certificate and checks the other's. With <see cref="AllowedThumbprints"/> a side
/// accepts exactly those certificates (a private cluster's self-signed ones); without, a certificate the machine's trust
/// store validates, name included. Every silo and gateway of a cluster must say the same (docs/operations.md, "TLS").
/// </summary>
public sealed class ClusterTlsOptions
{
    public const string Section = "Orleans:Tls";

    /// <summary>A PKCS#12 (.pfx) file with this process's certificate and private key. Empty (the default): no TLS.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The PKCS#12 file's password, if it has one (better given as the environment variable <c>Orleans__Tls__CertificatePassword</c>).</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>SHA-1 thumbprints (hex) of the certificates a peer may present; empty: the trust store decides.</summary>
    public List<string> AllowedThumbprints { get; set; } = [];

    /// <summary>The settings bound from <paramref name="configuration"/>.</summary>
    public static ClusterTlsOptions From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<ClusterTlsOptions>() ?? new ClusterTlsOptions();
}

/// <summary>Applies <see cref="ClusterTlsOptions"/> to a silo or an Orleans client.</summary>
public static class ClusterTls
{
    /// <summary>TLS on the silo's silo-to-silo and gateway endpoints, when <c>Orleans:Tls:CertificatePath</c> is set.</summary>
    public static ISiloBuilder AddOpsCentreTls(this ISiloBuilder silo, IConfiguration configuration)
    {
        var options = ClusterTlsOptions.From(configuration);
        return Certificate(options) is { } certificate ? silo.UseTls(certificate, tls => Configure(tls, options)) : silo;
    }

    /// <summary>TLS on a client's connections to the silos' gateways, when <c>Orleans:Tls:CertificatePath</c> is set.</summary>
    public static IClientBuilder AddOpsCentreTls(this IClientBuilder client, IConfiguration configuration)
    {
        var options = ClusterTlsOptions.From(configuration);
        return Certificate(options) is { } certificate ? client.UseTls(certificate, tls => Configure(tls, options)) : client;
    }

    private static X509Certificate2? Certificate(ClusterTlsOptions options)
    {
        if (string.IsNullOrEmpty(options.CertificatePath))
        {
            return null;
        }

        try
        {
            var certificate = X509CertificateLoader.LoadPkcs12FromFile(options.CertificatePath, options.CertificatePassword);
            return certificate.HasPrivateKey
                ? certificate
                : throw new InvalidOperationException($"{ClusterTlsOptions.Section}:CertificatePath: '{options.CertificatePath}' holds no private key");
        }
        catch (System.Security.Cryptography.CryptographicException ex)
        {
            throw new InvalidOperationException($"{ClusterTlsOptions.Section}:CertificatePath: cannot read '{options.CertificatePath}' ({ex.Message}); " +
                $"check the file and {ClusterTlsOptions.Section}:CertificatePassword", ex);
        }
        catch (IOException ex)
        {
            throw new InvalidOperationException($"{ClusterTlsOptions.Section}:CertificatePath: cannot read '{options.CertificatePath}' ({ex.Message})", ex);
        }
    }

    private static void Configure(TlsOptions tls, ClusterTlsOptions options)
    {
        tls.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        tls.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        var allowed = options.AllowedThumbprints.Select(t => t.Replace(":", "").Trim()).ToHashSet(StringComparer.OrdinalIgnoreCase);
        tls.RemoteCertificateValidation = (certificate, _, errors) => allowed.Count > 0
            ? allowed.Contains(certificate.Thumbprint)
            : errors == SslPolicyErrors.None;
    }
}
