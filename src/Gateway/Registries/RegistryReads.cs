using System.Security.Claims;
using OpsCentre.Database.Audit;
using OpsCentre.Database.Registries;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.KeyPersons;

namespace OpsCentre.Gateway.Registries;

/// <summary>PLACEHOLDER until the registries' reads are merged: who reads registries, and how personal fields are masked.</summary>
public static class RegistryReads
{
    public const Permission Permission = Auth.Permission.ViewUnits;

    public static bool MaySeeUnmasked(ClaimsPrincipal user, AccessPurpose? purpose) => PersonalDataMasking.MaySeeUnmasked(user, purpose);

    public static string Mask(RegistryField field, string value) => field.Name switch
    {
        "idNumber" => PersonalDataMasking.IdNumber(value),
        "phone" => PersonalDataMasking.Phone(value),
        _ => PersonalDataMasking.Name(value),
    };
}
