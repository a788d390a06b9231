using Microsoft.AspNetCore.OpenApi;
using Scalar.AspNetCore;

namespace OpsCentre.Gateway.ApiReference;

/// <summary>
/// The API document integrators read (<c>GET /openapi/v1.json</c>, ASP.NET Core's generator with
/// <see cref="ApiDocumentDescription"/>, <see cref="ShortSummaries"/> and <see cref="ErrorResponses"/>) and its interactive
/// reference at <c>/docs</c> (Scalar, its script served by the gateway itself). Both anonymous.
/// </summary>
public static class ApiReferenceSetup
{
    /// <summary>Where the interactive reference lives; <see cref="Hosting.SecurityHeaders"/> gives these pages their own policy.</summary>
    public const string DocsPath = "/docs";

    public static IServiceCollection AddOpsCentreApiDocument(this IServiceCollection services) =>
        services.AddOpenApi(o =>
        {
            o.AddDocumentTransformer<ApiDocumentDescription>();
            o.AddOperationTransformer<ShortSummaries>();
            o.AddOperationTransformer<ErrorResponses>();
        });

    public static IEndpointRouteBuilder MapOpsCentreApiReference(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi().AllowAnonymous();
        app.MapScalarApiReference(DocsPath, o => o
                .WithTitle("OpsCentre API")
                .WithOpenApiRoutePattern("/openapi/{documentName}.json")
                // Offline: no fonts from a CDN, nothing reported to Scalar; the script is the package's own (DocsPath/scalar.js).
                .DisableDefaultFonts()
                .DisableTelemetry()
                // Its AI agent and developer tools call Scalar's services: not for a city's network.
                .DisableAgent()
                .HideDeveloperTools()
                .AddPreferredSecuritySchemes(ApiDocumentDescription.BearerScheme))
            .AllowAnonymous()
            .ExcludeFromDescription();
        return app;
    }
}
