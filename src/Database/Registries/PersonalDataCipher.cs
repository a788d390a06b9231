using System.Security.Cryptography;
using System.Text;

namespace OpsCentre.Database.Registries;

/// <summary>
/// Personal identifiers of the registries at rest (ID numbers, phones): encrypted with AES-GCM, and hashed with a
/// keyed HMAC-SHA256 so an exact value can be looked up without decrypting a table. Both keys are derived (HKDF-SHA256)
/// from one 32-byte key from configuration (<c>Registries:PersonalDataKey</c>, base64), so a database copied without
/// the configuration reveals neither the values nor, by guessing, which row holds a known value.
/// </summary>
public sealed class PersonalDataCipher
{
    /// <summary>The configuration key that holds the base64 32-byte key.</summary>
    public const string ConfigurationKey = "Registries:PersonalDataKey";

    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] _encryptionKey;
    private readonly byte[] _hashKey;

    /// <summary>One AES-GCM context per thread (an instance is not thread-safe; making one per value costs an import of a million lines seconds).</summary>
    private readonly ThreadLocal<AesGcm> _aes;

    /// <summary>
    /// One HMAC context per thread, reset after each value: the one-shot <see cref="HMACSHA256.HashData(byte[], byte[])"/>
    /// sets up OpenSSL's MAC anew every call (about 2 µs, four times the hash itself), which an import of a million lines pays
    /// twice per ID number and once per phone.
    /// </summary>
    private readonly ThreadLocal<IncrementalHash> _hmac;

    /// <summary>Random bytes for nonces, drawn from the system's generator a few kilobytes at a time per thread rather than 12 bytes per value.</summary>
    [ThreadStatic] private static byte[]? _nonces;
    [ThreadStatic] private static int _noncesUsed;
    private const int NonceBuffer = NonceSize * 256;

    public PersonalDataCipher(byte[] key)
    {
        if (key.Length != 32)
        {
            throw new ArgumentException($"{ConfigurationKey} must be 32 bytes", nameof(key));
        }

        _encryptionKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, key, 32, info: "opscentre registries aes-gcm"u8.ToArray());
        _hashKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, key, 32, info: "opscentre registries hmac"u8.ToArray());
        _aes = new ThreadLocal<AesGcm>(() => new AesGcm(_encryptionKey, TagSize));
        _hmac = new ThreadLocal<IncrementalHash>(() => IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _hashKey));
    }

    /// <summary>The cipher for a configured base64 key; a missing or malformed key stops the host at start-up.</summary>
    public static PersonalDataCipher FromBase64(string? base64)
    {
        if (string.IsNullOrWhiteSpace(base64))
        {
            throw new InvalidOperationException($"{ConfigurationKey} is not configured: a base64 32-byte key is required");
        }

        byte[] key;
        try
        {
            key = Convert.FromBase64String(base64.Trim());
        }
        catch (FormatException)
        {
            throw new InvalidOperationException($"{ConfigurationKey} is not valid base64");
        }

        return key.Length == 32 ? new PersonalDataCipher(key) : throw new InvalidOperationException($"{ConfigurationKey} must decode to 32 bytes");
    }

    /// <summary>A fresh key in the configuration's form, for the run script, the tests' fixture and an operator's first set-up.</summary>
    public static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>nonce (12) ‖ ciphertext ‖ tag (16), the nonce random per value.</summary>
    public byte[] Encrypt(string value)
    {
        var plain = Encoding.UTF8.GetBytes(value);
        var sealedValue = new byte[NonceSize + plain.Length + TagSize];
        var nonce = sealedValue.AsSpan(0, NonceSize);
        NextNonce(nonce);
        _aes.Value!.Encrypt(nonce, plain, sealedValue.AsSpan(NonceSize, plain.Length), sealedValue.AsSpan(NonceSize + plain.Length, TagSize));
        return sealedValue;
    }

    public string Decrypt(byte[] sealedValue)
    {
        if (sealedValue.Length < NonceSize + TagSize)
        {
            throw new CryptographicException("a sealed personal value is too short");
        }

        var length = sealedValue.Length - NonceSize - TagSize;
        var plain = new byte[length];
        _aes.Value!.Decrypt(sealedValue.AsSpan(0, NonceSize), sealedValue.AsSpan(NonceSize, length), sealedValue.AsSpan(NonceSize + length, TagSize), plain);
        return Encoding.UTF8.GetString(plain);
    }

    /// <summary>The keyed hash of a value in its normal form (<see cref="Normalise"/>), for exact lookup.</summary>
    public byte[] Hash(string value)
    {
        var hmac = _hmac.Value!;
        hmac.AppendData(Encoding.UTF8.GetBytes(Normalise(value)));
        return hmac.GetHashAndReset();
    }

    /// <summary>Twelve fresh random bytes, each used once (a random 96-bit nonce per value, as AES-GCM wants).</summary>
    private static void NextNonce(Span<byte> nonce)
    {
        if (_nonces is null || _noncesUsed == NonceBuffer)
        {
            _nonces ??= new byte[NonceBuffer];
            RandomNumberGenerator.Fill(_nonces);
            _noncesUsed = 0;
        }

        var next = _nonces.AsSpan(_noncesUsed, NonceSize);
        next.CopyTo(nonce);
        next.Clear();
        _noncesUsed += NonceSize;
    }

    /// <summary>An identifier as stored and hashed: trimmed, without inner spaces or dashes, upper case (the ID number's check digit X).</summary>
    public static string Normalise(string value)
    {
        foreach (var c in value)
        {
            if (char.IsWhiteSpace(c) || c == '-' || char.ToUpperInvariant(c) != c)
            {
                return string.Concat(value.Where(c => !char.IsWhiteSpace(c) && c != '-')).ToUpperInvariant();
            }
        }

        return value; // already in its normal form, as nearly every value of a file is
    }
}
