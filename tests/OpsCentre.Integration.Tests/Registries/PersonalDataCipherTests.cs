using System.Security.Cryptography;
using System.Text;
using OpsCentre.Database.Registries;

namespace OpsCentre.Integration.Tests.Registries;

/// <summary>
/// The cipher keeps one HMAC and one AES-GCM context per thread and draws nonces in blocks: what it gives must not depend
/// on which thread asks or how many values came before.
/// </summary>
public sealed class PersonalDataCipherTests
{
    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);

    [Fact]
    public void TheKeyedHashIsHmacSha256OfTheNormalFormWithTheDerivedKeyOnEveryThread()
    {
        var cipher = new PersonalDataCipher(Key);
        var hashKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, Key, 32, info: "opscentre registries hmac"u8.ToArray());
        var values = Enumerable.Range(0, 20_000).Select(i => $"5101041990{i % 12 + 1:00}{i % 28 + 1:00}{i % 1000:000}{(i % 11 == 0 ? "x" : "7")}").ToArray();
        var hashes = new byte[values.Length][];
        Parallel.For(0, values.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => hashes[i] = cipher.Hash(values[i]));

        for (var i = 0; i < values.Length; i++)
        {
            var expected = HMACSHA256.HashData(hashKey, Encoding.UTF8.GetBytes(PersonalDataCipher.Normalise(values[i])));
            Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(hashes[i]));
        }

        Assert.Equal(cipher.Hash("51010419900101123X"), cipher.Hash(" 510104-19900101123x "));
    }

    [Fact]
    public void EveryValueIsSealedUnderItsOwnNonceAndOpensAgainOnAnyThread()
    {
        var cipher = new PersonalDataCipher(Key);
        var values = Enumerable.Range(0, 5_000).Select(i => $"1380000{i:0000}").ToArray();
        var sealedValues = new byte[values.Length][];
        Parallel.For(0, values.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => sealedValues[i] = cipher.Encrypt(values[i]));

        // More values than one thread's block of nonces, on several threads: no nonce twice, none all zero.
        var nonces = sealedValues.Select(s => Convert.ToHexString(s, 0, 12)).ToList();
        Assert.Equal(nonces.Count, nonces.Distinct().Count());
        Assert.DoesNotContain(new string('0', 24), nonces);
        var opened = new string[values.Length];
        Parallel.For(0, values.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => opened[i] = cipher.Decrypt(sealedValues[i]));
        Assert.Equal(values, opened);
        Assert.Equal(values[7], new PersonalDataCipher(Key).Decrypt(sealedValues[7]));
    }
}
