using Microsoft.AspNetCore.Diagnostics;
using Npgsql;

namespace OpsCentre.Gateway.Hosting;

/// <summary>
/// Text that PostgreSQL cannot hold (a NUL character, <c>\u0000</c> in JSON) is the client's input, not a
/// failure: wherever it reaches the database, the answer is a 400 problem and nothing is written.
/// </summary>
public sealed class UnstorableTextHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (!IsUnstorableText(exception))
        {
            return false;
        }

        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = { Status = StatusCodes.Status400BadRequest, Title = "The request holds characters that cannot be stored (such as NUL)" },
        });
    }

    private static bool IsUnstorableText(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is PostgresException { SqlState: PostgresErrorCodes.CharacterNotInRepertoire or PostgresErrorCodes.UntranslatableCharacter })
            {
                return true;
            }
        }

        return false;
    }
}
