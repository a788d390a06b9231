using System.Security.Claims;
using OpsCentre.Gateway.Auth;

namespace OpsCentre.Gateway.KeyPersons;

/// <summary>How personal data of key persons (重点人员) is shown: masked unless the role is cleared for it.</summary>
public static class PersonalDataMasking
{
    /// <summary>Only community-corrections staff see names and identity numbers in clear.</summary>
    public static bool MaySeeUnmasked(ClaimsPrincipal user) => user.RoleOf() == Roles.Corrections;

    /// <summary>张三 → 张*, 欧阳娜娜 → 欧***.</summary>
    public static string Name(string name) => name.Length <= 1 ? "*" : name[..1] + new string('*', name.Length - 1);

    /// <summary>
    /// 510104196106243405 → 5101**************: the region only. The birth date (digits 7–14) and the
    /// gender digit (the 17th) are personal data of their own, so nothing after the region is kept.
    /// </summary>
    public static string IdNumber(string id) => id.Length <= 8 ? new string('*', id.Length) : id[..4] + new string('*', id.Length - 4);
}
