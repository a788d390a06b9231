using OpsCentre.CityGen;
using OpsCentre.Database.Operators;

namespace OpsCentre.Testing;

/// <summary>
/// The real units of 成都市 the tests name, in one place: the demo accounts' units from <see cref="DemoOperators"/>, and
/// other streets and communities by their rank in the real division list (<see cref="ChengduDivisions"/>), never as literals.
/// </summary>
public static class DemoUnits
{
    /// <summary>锦江区.</summary>
    public const string Jinjiang = "510104";

    /// <summary>青羊区.</summary>
    public const string Qingyang = "510105";

    /// <summary>锦江区's first street (锦官驿街道), where the demo accounts sit.</summary>
    public const string FirstStreet = DemoOperators.FirstStreet;

    /// <summary>The first street's first community (水井坊社区).</summary>
    public const string FirstCommunity = DemoOperators.FirstCommunity;

    /// <summary>The first community's first grid.</summary>
    public const string FirstGrid = DemoOperators.FirstGrid;

    /// <summary>锦江区's second street by code.</summary>
    public static string SecondStreet => Street(2);

    /// <summary>锦江区's third street by code.</summary>
    public static string ThirdStreet => Street(3);

    /// <summary>锦江区's fourth street by code.</summary>
    public static string FourthStreet => Street(4);

    /// <summary>青羊区's first street by code.</summary>
    public static string QingyangFirstStreet => Street(1, Qingyang);

    /// <summary>The <paramref name="rank"/>-th street (from 1, by code) of a district.</summary>
    public static string Street(int rank, string district = Jinjiang) =>
        ChengduDivisions.Installed.Streets.Where(s => s.ParentCode == district).ElementAt(rank - 1).Code;

    /// <summary>The <paramref name="rank"/>-th community (from 1, by code) of a street.</summary>
    public static string Community(int rank, string street = FirstStreet) =>
        ChengduDivisions.Installed.Communities.Where(c => c.ParentCode == street).ElementAt(rank - 1).Code;
}
