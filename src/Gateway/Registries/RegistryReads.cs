using System.Security.Claims;
using OpsCentre.Database.Audit;
using OpsCentre.Database.Registries;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.KeyPersons;

namespace OpsCentre.Gateway.Registries;

/// <summary>
/// What every output of the registries shares — a record, the search, an export: who reads them
/// (<see cref="Auth.Permission.ReadRegistries"/>), and how a personal field (<see cref="RegistryField.Personal"/>) is shown
/// to a caller who may not see it in clear (张*, 5101**************, 138****5678).
/// </summary>
public static class RegistryReads
{
    public const Permission Permission = Auth.Permission.ReadRegistries;

    /// <summary>In clear only for a cleared role naming a purpose, as key persons' data (<see cref="PersonalDataMasking.MaySeeUnmasked"/>).</summary>
    public static bool MaySeeUnmasked(ClaimsPrincipal user, AccessPurpose? purpose) => PersonalDataMasking.MaySeeUnmasked(user, purpose);

    /// <summary>A personal field's value masked: a name to its first character, an ID number to its region, a phone to its ends; anything else wholly.</summary>
    public static string Mask(RegistryField field, string value) => field.Name switch
    {
        "name" => PersonalDataMasking.Name(value),
        "idNumber" => PersonalDataMasking.IdNumber(value),
        "phone" => PersonalDataMasking.Phone(value),
        _ => new string('*', value.Length),
    };
}
