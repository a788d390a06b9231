namespace OpsCentre.Database.Operators;

/// <summary>
/// What a password set through the API must be (docs/security.md, "Password policy"): at least <see cref="MinLength"/> and at most
/// <see cref="MaxLength"/> characters; not containing the username (ignoring case); not all of one class (lower-case letters,
/// upper-case letters, digits, anything else); and not the demo accounts' password unless the demo city is loaded.
/// </summary>
public static class PasswordPolicy
{
    public const int MinLength = 10;
    public const int MaxLength = 128;

    /// <summary>Why <paramref name="password"/> may not be <paramref name="username"/>'s password, or null when it may.</summary>
    public static string? ProblemWith(string username, string? password, bool demoMode, string demoPassword = DemoOperators.DefaultPassword)
    {
        if (string.IsNullOrEmpty(password) || password.Length < MinLength || password.Length > MaxLength)
        {
            return $"between {MinLength} and {MaxLength} characters";
        }

        if (username.Length > 0 && password.Contains(username, StringComparison.OrdinalIgnoreCase))
        {
            return "must not contain the username";
        }

        var classes = new[] { password.Any(char.IsLower), password.Any(char.IsUpper), password.Any(char.IsDigit), password.Any(c => !char.IsLower(c) && !char.IsUpper(c) && !char.IsDigit(c)) };
        if (classes.Count(c => c) < 2)
        {
            return "must mix at least two of: lower-case letters, upper-case letters, digits, other characters";
        }

        if (!demoMode && (password == demoPassword || password == DemoOperators.DefaultPassword))
        {
            return "must not be the demo accounts' password";
        }

        return null;
    }
}
