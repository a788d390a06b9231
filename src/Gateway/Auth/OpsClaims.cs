using System.Security.Claims;

namespace OpsCentre.Gateway.Auth;

/// <summary>Claim names in OpsCentre access tokens.</summary>
public static class OpsClaims
{
    public const string Subject = "sub";
    public const string Name = "name";
    public const string Role = "role";

    /// <summary>The caller's unit code; the caller may see that unit and everything below it. Not named <c>scope</c>, which OAuth uses.</summary>
    public const string UnitCode = "unit_code";

    /// <summary>Department staff's department code; they see the cases dispatched or transferred to it.</summary>
    public const string Department = "department_code";

    public static string? DepartmentOf(this ClaimsPrincipal user) => user.FindFirst(Department)?.Value;

    /// <summary>A machine client's permission (<c>cases:read</c>, …), one claim each; on clients' tokens only (<see cref="ClientPermissions"/>).</summary>
    public const string Permission = "permission";

    /// <summary>A machine client's own rate limit: requests a second on average, and at once (<c>LimitsSetup</c>).</summary>
    public const string RatePerSecond = "rate_per_second";

    /// <inheritdoc cref="RatePerSecond"/>
    public const string RateBurst = "rate_burst";

    /// <summary>Set on device principals (X-Device-Key).</summary>
    public const string DeviceId = "device_id";

    public static string Username(this ClaimsPrincipal user) => user.FindFirst(Subject)?.Value ?? "";

    public static string UnitCodeOf(this ClaimsPrincipal user) => user.FindFirst(UnitCode)?.Value ?? "\0";

    public static string? RoleOf(this ClaimsPrincipal user) => user.FindFirst(Role)?.Value;
}
