namespace OpsCentre.Database.Operators;

/// <summary>
/// The role names of the contract, as stored in <c>operator_account.role</c> and carried in tokens. Defined
/// once here, below both hosts: the gateway grants functions to them (<c>Roles</c>), the case grain's duty
/// table (<c>IncidentDuties</c>) names them.
/// </summary>
public static class OperatorRoles
{
    public const string Admin = "admin";
    public const string Operator = "operator";
    public const string Staff = "staff";
    public const string Worker = "worker";
    public const string Corrections = "corrections";
    public const string Auditor = "auditor";

    /// <summary>Staff of a department (职能部门).</summary>
    public const string Department = "department";

    /// <summary>An operator of the 12345 citizens' hotline (市民服务热线): takes residents' calls as cases and follows them.</summary>
    public const string Hotline = "hotline";
}
