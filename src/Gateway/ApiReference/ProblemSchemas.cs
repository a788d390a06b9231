using Microsoft.OpenApi;

namespace OpsCentre.Gateway.ApiReference;

/// <summary>The two problem shapes every error answer of the API has (RFC 9457), as schemas of the document's components.</summary>
internal static class ProblemSchemas
{
    public const string Problem = "Problem";
    public const string ValidationProblem = "ValidationProblem";

    public const string MediaType = "application/problem+json";

    public static void AddTo(OpenApiDocument document)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        document.Components.Schemas.TryAdd(Problem, new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "A problem answer (RFC 9457). `title` says what went wrong in words a person reads; `traceId` finds the request in the gateway's logs.",
            Properties = Common(),
            Required = new HashSet<string> { "title", "status" },
        });
        var validation = Common();
        validation["errors"] = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "For each field at fault (its JSON name, e.g. `location.lat`), what is wrong with it.",
            AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
        };
        document.Components.Schemas.TryAdd(ValidationProblem, new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "A problem answer whose `errors` name the request's fields at fault.",
            Properties = validation,
            Required = new HashSet<string> { "title", "status" },
        });
    }

    public static IOpenApiSchema Reference(string id, OpenApiDocument? document) => new OpenApiSchemaReference(id, document);

    private static Dictionary<string, IOpenApiSchema> Common() => new(StringComparer.Ordinal)
    {
        ["type"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "A URI naming the kind of problem (usually the RFC section of the status)." },
        ["title"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "What went wrong, the same for every occurrence of this problem." },
        ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Description = "The HTTP status code." },
        ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null, Description = "More about this occurrence, when there is more to say." },
        ["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The request's W3C trace id (32 hex digits): its lines in the gateway's log carry it as `@tr`, and its trace, if sampled, has it (with Telemetry:Enabled=false, ASP.NET Core's request id instead)." },
    };
}
