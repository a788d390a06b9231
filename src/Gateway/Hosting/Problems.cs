using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using OpsCentre.Database.Operations;

namespace OpsCentre.Gateway.Hosting;

/// <summary>
/// The API's problem answers (RFC 9457), each built here and nowhere else. Field errors of a request
/// body come through <see cref="RequestErrors"/>.
/// </summary>
public static class Problems
{
    /// <summary>404: unknown, or outside the caller's scope (alike, so existence does not leak).</summary>
    public static ProblemHttpResult NotFound(string title = "Not found") => Problem(StatusCodes.Status404NotFound, title);

    /// <summary>403: within scope, but the caller's role or device may not do this.</summary>
    public static ProblemHttpResult Forbidden(string title = "Your role may not do this", string? detail = null) => Problem(StatusCodes.Status403Forbidden, title, detail);

    /// <summary>409: the object's state does not allow it now; nothing changed.</summary>
    public static ProblemHttpResult Conflict(string title, string? detail = null) => Problem(StatusCodes.Status409Conflict, title, detail);

    /// <summary>400 for a bad query or a request that is not one of the body's fields' fault.</summary>
    public static ProblemHttpResult BadRequest(string title, string? detail = null) => Problem(StatusCodes.Status400BadRequest, title, detail);

    /// <summary>422: the caller's operation id was already used for a different request; nothing changed.</summary>
    public static ProblemHttpResult OpIdReused() => Problem(StatusCodes.Status422UnprocessableEntity, "This opId was already used for a different request");

    public static ProblemHttpResult TooLarge(string title) => Problem(StatusCodes.Status413PayloadTooLarge, title);

    public static ProblemHttpResult Unauthorized(string title) => Problem(StatusCodes.Status401Unauthorized, title);

    /// <summary>A problem with a status decided elsewhere (a refused upload's 400, 413, 415 or 422).</summary>
    public static ProblemHttpResult WithStatus(int status, string title) => Problem(status, title);

    /// <summary>429: a limit was reached (requests per client, a locked account); the answer says when to try again.</summary>
    public static RetryLaterProblem TooManyRequests(TimeSpan retryAfter, string title = "Too many requests; try again later") =>
        new(Problem(StatusCodes.Status429TooManyRequests, title), retryAfter);

    /// <summary>503: something the request needs (PostgreSQL, the cluster) cannot be reached now; nothing is the request's fault.</summary>
    public static RetryLaterProblem Unavailable(TimeSpan retryAfter, string title = "Temporarily unavailable; try again later") =>
        new(Problem(StatusCodes.Status503ServiceUnavailable, title), retryAfter);

    /// <summary>One field's error, as a validation problem like <see cref="RequestErrors.Problem"/>.</summary>
    public static ValidationProblem Invalid(string field, string message) => new RequestErrors().Check(false, field, message).Problem();

    /// <summary>
    /// 422 with one field's error in the validation problem's shape (<c>{"errors":{"field":["…"]}}</c>): the request
    /// is well formed, but a field names something that does not fit the object (a worker outside the unit a case is
    /// dispatched to); nothing changed.
    /// </summary>
    public static ProblemHttpResult Unprocessable(string field, string message) =>
        FieldProblem(StatusCodes.Status422UnprocessableEntity, "One or more fields name something that does not fit", field, message);

    /// <summary>
    /// 400 for one query parameter, in the validation problem's shape (<c>{"errors":{"purpose":["one of …"]}}</c>), for
    /// handlers whose answers are <see cref="ProblemHttpResult"/>s; nothing was read or written.
    /// </summary>
    public static ProblemHttpResult InvalidQuery(string field, string message) =>
        FieldProblem(StatusCodes.Status400BadRequest, "One or more validation errors occurred.", field, message);

    private static ProblemHttpResult FieldProblem(int status, string title, string field, string message) =>
        TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [message] }) { Status = status, Title = title });

    private static ProblemHttpResult Problem(int status, string title, string? detail = null) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail);
}

/// <summary>
/// A problem answer that says when to try again (429, 503): the problem details, and a
/// <c>Retry-After</c> header in whole seconds (rounded up, at least 1).
/// </summary>
public sealed class RetryLaterProblem(ProblemHttpResult problem, TimeSpan retryAfter) : IResult, IStatusCodeHttpResult
{
    public int StatusCode => problem.StatusCode;

    int? IStatusCodeHttpResult.StatusCode => problem.StatusCode;

    /// <summary>The <c>Retry-After</c> value, in seconds.</summary>
    public int RetryAfterSeconds { get; } = (int)Math.Clamp(Math.Ceiling(retryAfter.TotalSeconds), 1, int.MaxValue);

    public Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return problem.ExecuteAsync(httpContext);
    }
}

/// <summary>
/// A request body's field errors, collected together and answered as one 400 validation problem:
/// <c>{"errors":{"field":["what it must be"]}}</c>. The one style of validation for request records.
/// </summary>
public sealed class RequestErrors
{
    private readonly Dictionary<string, string[]> _errors = new(StringComparer.Ordinal);

    public bool Any => _errors.Count > 0;

    /// <summary>The caller's operation id: required, at most <see cref="OperationIds.MaxLength"/> characters.</summary>
    public RequestErrors OpId(string? opId) => Check(OperationIds.IsValid(opId), "opId", OperationIds.Requirement);

    /// <summary>Records <paramref name="message"/> for <paramref name="field"/> unless <paramref name="valid"/>.</summary>
    public RequestErrors Check(bool valid, string field, string message)
    {
        if (!valid)
        {
            _errors[field] = [message];
        }

        return this;
    }

    /// <summary>Takes in errors found by a domain type's own validation.</summary>
    public RequestErrors Add(IReadOnlyDictionary<string, string[]> errors)
    {
        foreach (var (field, messages) in errors)
        {
            _errors[field] = messages;
        }

        return this;
    }

    public ValidationProblem Problem() => TypedResults.ValidationProblem(_errors);
}
