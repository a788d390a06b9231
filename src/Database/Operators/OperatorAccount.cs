namespace OpsCentre.Database.Operators;

/// <summary>
/// An operator of a supervision centre: who they are, their role, and the unit they are scoped to.
/// Department staff (role <c>department</c>) also name their department (职能部门) and see its cases.
/// </summary>
public sealed record OperatorAccount(string Username, string DisplayName, string Role, string UnitCode, bool Disabled, string? DepartmentCode = null);
