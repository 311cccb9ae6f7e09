using System.Security.Cryptography;
using System.Text.Json;

namespace DhtNet.Security;

/// <summary>Key files: a small JSON object <c>{"seed":"&lt;hex&gt;","publicKey":"&lt;hex&gt;"}</c>.</summary>
public sealed partial class Ed25519KeyPair
{
    // A real key file is about 150 bytes; the bound keeps a wrong path from reading a huge file.
    private const int MaxKeyFileSize = 64 * 1024;

    private const string SeedProperty = "seed";
    private const string PublicKeyProperty = "publicKey";

    /// <summary>
    /// Writes the key pair to <paramref name="path"/>, replacing the file atomically. On Unix the file
    /// is created with mode 0600 (owner read/write only) before the seed is written into it.
    /// </summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string fullPath = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(fullPath) ?? throw new ArgumentException($"'{path}' has no directory.", nameof(path));

        // Written beside the target and renamed over it, so a crash never leaves a half-written key.
        string temporary = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}.tmp");
        byte[] content = Serialize();
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var stream = new FileStream(temporary, options))
            {
                if (!OperatingSystem.IsWindows())
                {
                    // The create mode is filtered by the umask; set it exactly.
                    File.SetUnixFileMode(stream.SafeFileHandle, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                }

                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, fullPath, overwrite: true);
        }
        catch
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }

            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(content);
        }
    }

    /// <summary>
    /// Reads a key pair written by <see cref="Save"/>. Throws <see cref="InvalidDataException"/> naming
    /// the problem when the file is not such a key file or its public key does not match its seed.
    /// </summary>
    public static Ed25519KeyPair Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] content;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            if (stream.Length > MaxKeyFileSize)
            {
                throw Invalid(path, $"it is {stream.Length} bytes; a key file is at most {MaxKeyFileSize}");
            }

            content = new byte[stream.Length];
            stream.ReadExactly(content);
        }

        try
        {
            return Parse(path, content);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(content);
        }
    }

    private byte[] Serialize()
    {
        using var stream = new MemoryStream(256);
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteString(SeedProperty, Convert.ToHexStringLower(_seed));
            writer.WriteString(PublicKeyProperty, Convert.ToHexStringLower(_publicKey));
            writer.WriteEndObject();
        }

        stream.WriteByte((byte)'\n');
        return stream.ToArray();
    }

    private static Ed25519KeyPair Parse(string path, byte[] content)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(content);
        }
        catch (JsonException error)
        {
            throw Invalid(path, $"it is not valid JSON ({error.Message})", error);
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Invalid(path, $"it holds a JSON {root.ValueKind}, not an object with \"{SeedProperty}\" and \"{PublicKeyProperty}\"");
            }

            byte[] seed = ReadHex(path, root, SeedProperty, SeedSize);
            byte[] publicKey = ReadHex(path, root, PublicKeyProperty, PublicKeySize);
            var pair = new Ed25519KeyPair(seed);
            if (!publicKey.AsSpan().SequenceEqual(pair._publicKey))
            {
                throw Invalid(path, $"its \"{PublicKeyProperty}\" {Convert.ToHexStringLower(publicKey)} does not match its \"{SeedProperty}\", " +
                    $"which gives {Convert.ToHexStringLower(pair._publicKey)}; the file is damaged or was edited");
            }

            return pair;
        }
    }

    private static byte[] ReadHex(string path, JsonElement root, string property, int size)
    {
        if (!root.TryGetProperty(property, out JsonElement element))
        {
            throw Invalid(path, $"the \"{property}\" property is missing");
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            throw Invalid(path, $"\"{property}\" is a JSON {element.ValueKind}, not a hex string");
        }

        string hex = element.GetString()!;
        if (hex.Length != size * 2)
        {
            throw Invalid(path, $"\"{property}\" has {hex.Length} hex digits; it needs {size * 2} ({size} bytes)");
        }

        byte[] bytes = new byte[size];
        if (Convert.FromHexString(hex, bytes, out _, out _) != System.Buffers.OperationStatus.Done)
        {
            throw Invalid(path, $"\"{property}\" is not hexadecimal");
        }

        return bytes;
    }

    private static InvalidDataException Invalid(string path, string problem, Exception? inner = null) =>
        new($"Key file '{path}' is not a valid Ed25519 key file: {problem}.", inner);
}
