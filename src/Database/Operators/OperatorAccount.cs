namespace OpsCentre.Database.Operators;

/// <summary>An operator of a supervision centre: who they are, their role, and the unit they are scoped to.</summary>
public sealed record OperatorAccount(string Username, string DisplayName, string Role, string UnitCode, bool Disabled);
