using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.OpenApi;
using OpsCentre.Gateway.Devices;

namespace OpsCentre.Gateway.ApiReference;

/// <summary>
/// Gives every operation its security requirement and the error answers it can give, each a problem
/// (<see cref="ProblemSchemas"/>), read from the endpoint's metadata rather than written per endpoint,
/// so an endpoint added later is described alike:
/// a device endpoint (<see cref="DeviceKeyRequired"/>) needs the device key, any other that is not
/// anonymous a bearer token — both then 401, 403 and 429 (the limits per token and per device);
/// a named rate-limiting policy → 429; route parameters → 404; query or route parameters or a body → 400;
/// a body → 413 and 422; a write (POST, PUT, PATCH, DELETE) → 409; every operation → 503.
/// </summary>
internal sealed class ErrorResponses : IOpenApiOperationTransformer
{
    private static readonly (int Status, string Description, bool Validation, bool RetryAfter)[] Answers =
    [
        (400, "The request cannot be read: a query or route value of the wrong form, or a body that is not the expected JSON; `errors.<field>` names each field at fault.", true, false),
        (401, "No valid credential: the bearer token (or the device key) is missing, malformed, expired or revoked.", false, false),
        (403, "Authenticated, but the caller's role (or device) may not do this within its scope.", false, false),
        (404, "Unknown, or outside the caller's scope: the two are answered alike, so that existence does not leak.", false, false),
        (409, "The object's state does not allow this now (for instance a case already closed, or a change made meanwhile); nothing changed.", false, false),
        (413, "The request body is larger than the gateway accepts (`Gateway:MaxRequestBodyBytes`, 1 MiB by default).", false, false),
        (422, "A field names something that does not fit (an unknown unit, a category of another district…), or the `opId` was already used for a different request; nothing changed.", true, false),
        (429, "A rate limit was reached (per token, per device, or sign-in per address and per account); `Retry-After` says when to try again.", false, true),
        (503, "Something the request needs — PostgreSQL or the cluster — cannot be reached now; nothing was the request's fault, nothing half-written. `Retry-After` says when to try again.", false, true),
    ];

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var description = context.Description;
        var metadata = description.ActionDescriptor.EndpointMetadata;
        var forDevices = metadata.OfType<DeviceKeyRequired>().Any();
        var anonymous = !forDevices && metadata.OfType<IAllowAnonymous>().Any();
        var parameters = description.ParameterDescriptions;
        var hasBody = parameters.Any(p => p.Source == BindingSource.Body || p.Source == BindingSource.Form)
            || operation.RequestBody is not null;
        var hasRoute = parameters.Any(p => p.Source == BindingSource.Path);
        var hasQuery = parameters.Any(p => p.Source == BindingSource.Query);
        var write = description.HttpMethod is "POST" or "PUT" or "PATCH" or "DELETE";
        var limited = !anonymous || metadata.OfType<EnableRateLimitingAttribute>().Any() || metadata.OfType<Limits.PublicEndpoint>().Any();

        var document = context.Document;
        if (document is not null)
        {
            ProblemSchemas.AddTo(document);
        }

        if (!anonymous)
        {
            var scheme = forDevices ? ApiDocumentDescription.DeviceKeyScheme : ApiDocumentDescription.BearerScheme;
            operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(scheme, document)] = [] }];
            if (!forDevices)
            {
                // Or a machine client's token (the same bearer header); what it is served is its permissions' part (docs/integration.md).
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiDocumentDescription.ClientCredentialsScheme, document)] = [] });
            }
        }

        operation.Responses ??= new OpenApiResponses();
        foreach (var (status, text, validation, retryAfter) in Answers)
        {
            var applies = status switch
            {
                400 => hasBody || hasRoute || hasQuery,
                401 or 403 => !anonymous,
                404 => hasRoute,
                409 => write,
                413 or 422 => hasBody,
                429 => limited,
                _ => true,
            };
            if (applies)
            {
                Describe(operation.Responses, status, text, validation ? ProblemSchemas.ValidationProblem : ProblemSchemas.Problem, retryAfter, document);
            }
        }

        return Task.CompletedTask;
    }

    private static void Describe(OpenApiResponses responses, int status, string text, string schema, bool retryAfter, OpenApiDocument? document)
    {
        var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // An answer the endpoint declared itself keeps its words; it gains the problem's shape.
        var response = responses.TryGetValue(key, out var declared) && declared is OpenApiResponse own ? own : new OpenApiResponse { Description = text };
        response.Content ??= new Dictionary<string, OpenApiMediaType>();
        response.Content[ProblemSchemas.MediaType] = new OpenApiMediaType { Schema = ProblemSchemas.Reference(schema, document) };
        if (retryAfter)
        {
            response.Headers ??= new Dictionary<string, IOpenApiHeader>();
            response.Headers["Retry-After"] = new OpenApiHeader
            {
                Description = "Seconds to wait before trying again.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.Integer },
            };
        }

        responses[key] = response;
    }
}
