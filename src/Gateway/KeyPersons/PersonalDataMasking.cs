using System.Security.Claims;
using OpsCentre.Database.Audit;
using OpsCentre.Gateway.Auth;

namespace OpsCentre.Gateway.KeyPersons;

/// <summary>
/// How personal data of key persons (重点人员) is shown: masked unless the role is cleared for it and the read names a
/// purpose; the category only to the roles whose duty needs it. Who is which is the permission table (<see cref="Roles"/>).
/// </summary>
public static class PersonalDataMasking
{
    /// <summary>
    /// In clear only for a role with <see cref="Permission.ReadPersonalDataInClear"/> (community-corrections staff) that
    /// names why (<paramref name="purpose"/>); the same role without a purpose reads masked, as anyone else.
    /// </summary>
    public static bool MaySeeUnmasked(ClaimsPrincipal user, AccessPurpose? purpose) =>
        purpose is not null && Roles.Allows(user.RoleOf(), Permission.ReadPersonalDataInClear);

    /// <summary>A person's category (社区矫正, 精神障碍, 吸毒…) for a role with <see cref="Permission.ReadKeyPersonCategories"/>; null for others.</summary>
    public static string? Category(ClaimsPrincipal user, string category) =>
        Roles.Allows(user.RoleOf(), Permission.ReadKeyPersonCategories) ? category : null;

    /// <summary>张三 → 张*, 欧阳娜娜 → 欧***.</summary>
    public static string Name(string name) => name.Length <= 1 ? "*" : name[..1] + new string('*', name.Length - 1);

    /// <summary>13812345678 → 138****5678; a short number keeps at most its last two digits.</summary>
    public static string Phone(string phone) => phone.Length >= 11 ? phone[..3] + new string('*', phone.Length - 7) + phone[^4..]
        : phone.Length > 4 ? new string('*', phone.Length - 2) + phone[^2..] : new string('*', phone.Length);

    /// <summary>resident@example.cn → r***@example.cn.</summary>
    public static string Email(string email) => email.IndexOf('@') is var at and > 0 ? email[..1] + "***" + email[at..] : "***";

    /// <summary>
    /// 510104196106243405 → 5101**************: the region only. The birth date (digits 7–14) and the
    /// gender digit (the 17th) are personal data of their own, so nothing after the region is kept.
    /// </summary>
    public static string IdNumber(string id) => id.Length <= 8 ? new string('*', id.Length) : id[..4] + new string('*', id.Length - 4);
}
