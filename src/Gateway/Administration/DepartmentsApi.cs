using Microsoft.AspNetCore.Http.HttpResults;
using OpsCentre.Database.Administration;
using OpsCentre.Database.Operations;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Gateway.Paging;
using OpsCentre.Grains.Incidents;
using OpsCentre.Grains.Map;
using OpsCentre.Grains.Units;

namespace OpsCentre.Gateway.Administration;

/// <summary>
/// <c>/api/v1/departments</c>: the departments (职能部门) of each district that cases are dispatched or transferred to — list,
/// create, rename, disable and enable. Admins manage every district within their unit, a district's operators their own
/// district's. A disabled department takes no new cases; the cases it has stay readable. Every change is audited.
/// </summary>
public static partial class DepartmentsApi
{
    public sealed record CreateRequest(string? OpId, string? Code, string? Name);

    public sealed record ChangeRequest(string? OpId, string? Name, bool? Disabled);

    [System.Text.RegularExpressions.GeneratedRegex("^[0-9]{6}-[A-Z]{2,8}$")]
    private static partial System.Text.RegularExpressions.Regex DepartmentCode();

    public static RouteGroupBuilder MapDepartmentsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/departments").WithTags("Administration");

        group.MapGet("/", async Task<Results<Ok<Page<Department>>, ProblemHttpResult>> (string? unit, HttpContext context, IncidentCatalog catalog, CancellationToken ct) =>
        {
            var scope = unit ?? context.User.UnitCodeOf();
            if (UnitListing.Check(scope, null, context.User, out _) is { } problem)
            {
                return problem;
            }

            return TypedResults.Ok(new Page<Department>(await catalog.DepartmentsAsync(scope, ct), null));
        })
        .WithName("ListDepartments")
        .WithSummary("The departments of the districts within `unit` (default: the caller's unit), or of the district that holds it, disabled ones included. Any role, within scope.");

        group.MapPost("/", async Task<Results<Created<Department>, ProblemHttpResult, ValidationProblem>> (
            CreateRequest request, HttpContext context, AdminChanges changes, IncidentCatalog catalog, MapStore map, CancellationToken ct) =>
        {
            if (!Roles.Allows(context.User.RoleOf(), Permission.ManageDepartments))
            {
                return Problems.Forbidden();
            }

            var errors = new RequestErrors().OpId(request.OpId)
                .Check(request.Code is not null && DepartmentCode().IsMatch(request.Code), "code", "the district's code, a dash and 2 to 8 capital letters (510104-CG)")
                .Check(request.Name is { Length: > 0 and <= 100 } && !string.IsNullOrWhiteSpace(request.Name), "name", "1 to 100 characters");
            if (errors.Any)
            {
                return errors.Problem();
            }

            var department = new Department(request.Code!, request.Name!.Trim(), request.Code![..6]);
            if (!UnitCode.IsWithin(department.DistrictCode, context.User.UnitCodeOf()))
            {
                return Problems.Unprocessable("code", "a department of a district outside your unit");
            }

            if (await map.FindAsync(department.DistrictCode, ct) is null)
            {
                return Problems.Unprocessable("code", "no such district");
            }

            var operation = new Operation(context.User.Username(), request.OpId!, "department.create", OperationIds.Hash(department.Code, department.Name));
            var written = await changes.WriteAsync(OperatorsApi.Actor(context.User), operation, department.Code, async (connection, transaction, token) =>
                await IncidentCatalog.WriteDepartmentAsync(connection, transaction, department, create: true, token)
                    ? AdminStep.Apply(new AdminChange(AdminEntityKinds.Department, department.Code, department.DistrictCode, "create", null, department))
                    : AdminStep.Refuse("A department with this code exists"), ct);
            return written.Outcome switch
            {
                AdminOutcome.Applied or AdminOutcome.Replayed when await catalog.DepartmentAsync(department.Code, ct) is { } stored =>
                    TypedResults.Created($"/api/v1/departments/{stored.Code}", stored),
                AdminOutcome.OpIdReused => Problems.OpIdReused(),
                AdminOutcome.Refused => Problems.Conflict(written.Reason!),
                _ => Problems.NotFound(),
            };
        })
        .WithName("CreateDepartment")
        .WithSummary("Create a department of a district within the caller's unit (its code starts with the district's: 422 on `code` otherwise). Admins and operators.");

        group.MapPatch("/{departmentCode}", async Task<Results<Ok<Department>, ProblemHttpResult, ValidationProblem>> (
            string departmentCode, ChangeRequest request, HttpContext context, AdminChanges changes, IncidentCatalog catalog, CancellationToken ct) =>
        {
            // The role first: a department's unit is its district, above the scope of most roles that see its cases.
            if (!Roles.Allows(context.User.RoleOf(), Permission.ManageDepartments))
            {
                return Problems.Forbidden();
            }

            if (await catalog.DepartmentAsync(departmentCode, ct) is not { } current || ScopeGuard.Deny(context.User, current.DistrictCode, Permission.ManageDepartments) is not null)
            {
                return Problems.NotFound();
            }

            var errors = new RequestErrors().OpId(request.OpId)
                .Check(request.Name is null || (request.Name.Length is > 0 and <= 100 && !string.IsNullOrWhiteSpace(request.Name)), "name", "1 to 100 characters");
            if (errors.Any)
            {
                return errors.Problem();
            }

            var operation = new Operation(context.User.Username(), request.OpId!, "department.change", OperationIds.Hash(departmentCode, request.Name, request.Disabled));
            var written = await changes.WriteAsync(OperatorsApi.Actor(context.User), operation, departmentCode, async (connection, transaction, token) =>
            {
                if (await IncidentCatalog.LockDepartmentAsync(connection, transaction, departmentCode, token) is not { } old)
                {
                    return AdminStep.Missing();
                }

                var next = old with { Name = request.Name?.Trim() ?? old.Name, Disabled = request.Disabled ?? old.Disabled };
                await IncidentCatalog.WriteDepartmentAsync(connection, transaction, next, create: false, token);
                return AdminStep.Apply(new AdminChange(AdminEntityKinds.Department, departmentCode, old.DistrictCode,
                    next.Disabled != old.Disabled ? (next.Disabled ? "disable" : "enable") : "change", old, next));
            }, ct);
            return written.Outcome switch
            {
                AdminOutcome.Applied or AdminOutcome.Replayed when await catalog.DepartmentAsync(departmentCode, ct) is { } stored => TypedResults.Ok(stored),
                AdminOutcome.OpIdReused => Problems.OpIdReused(),
                _ => Problems.NotFound(),
            };
        })
        .WithName("ChangeDepartment")
        .WithSummary("Rename a department, or disable (`disabled: true`) or enable it: a disabled one takes no new cases (dispatch and transfer to it are 422), "
            + "the cases it has stay readable and its staff keep their accounts. Admins and the operators of its district.");

        return group;
    }
}
