namespace OpsCentre.Gateway.Hosting;

/// <summary>
/// Response headers that keep the web app's pages from being framed, sniffed or made to run injected
/// script: a Content-Security-Policy without inline script (styles inline for the charts' tooltips),
/// <c>nosniff</c>, <c>frame-ancestors 'none'</c> and no referrer beyond the origin.
/// </summary>
public static class SecurityHeaders
{
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; " +
        "font-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    // The API reference (Scalar) starts itself with an inline script and runs its editor in workers; only its pages get this.
    private const string ApiReferencePolicy =
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; " +
        "font-src 'self' data:; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        // Devices' calls are machine traffic at thousands a second and render nothing: no headers, no per-request closure.
        if (Devices.DeviceKeyAuthentication.Applies(context))
        {
            return next(context);
        }

        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
            // Only pages need a policy; an API answer is data, and the device path stays as lean as it is.
            if (context.Response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true)
            {
                headers.ContentSecurityPolicy = context.Request.Path.StartsWithSegments(ApiReference.ApiReferenceSetup.DocsPath)
                    ? ApiReferencePolicy
                    : ContentSecurityPolicy;
                headers.XFrameOptions = "DENY";
            }

            return Task.CompletedTask;
        });
        return next(context);
    });
}
