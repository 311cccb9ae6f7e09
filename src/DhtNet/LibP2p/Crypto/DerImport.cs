using System.Formats.Asn1;
using System.Security.Cryptography;

namespace DhtNet.LibP2p.Crypto;

/// <summary>
/// Imports a DER key from a peer into a BCL algorithm object: any failure of the import (bad DER,
/// an unknown curve the platform refuses, bytes left over, a failed check) disposes the object and
/// becomes the one <see cref="LibP2pFormatException"/>.
/// </summary>
internal static class DerImport
{
    public delegate void Importer<in T>(T algorithm, ReadOnlySpan<byte> der, out int bytesRead);

    // check returns an error message for a key that imported but is not acceptable, or null.
    public static T Read<T>(T algorithm, ReadOnlySpan<byte> der, Importer<T> import, string what, Func<T, string?>? check = null)
        where T : AsymmetricAlgorithm
    {
        try
        {
            import(algorithm, der, out var read);
            var error = read != der.Length ? $"{der.Length - read} bytes follow the {what}." : check?.Invoke(algorithm);
            if (error is not null)
            {
                throw new LibP2pFormatException(error);
            }

            return algorithm;
        }
        catch (Exception e) when (e is CryptographicException or PlatformNotSupportedException or AsnContentException)
        {
            algorithm.Dispose();
            throw new LibP2pFormatException($"The {what} is not valid DER of its kind.", e);
        }
        catch
        {
            algorithm.Dispose();
            throw;
        }
    }
}
