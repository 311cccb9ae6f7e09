using System.Text;

namespace DhtNet.Cli.Input;

/// <summary>Reads what `dht put` stores and the key that signs it.</summary>
internal static class ItemValue
{
    // Far above any storable value; keeps a wrong --file from reading a huge file.
    private const int MaxFileBytes = 64 * 1024;

    /// <summary>
    /// The bencoded value: <paramref name="text"/> as a byte string of its UTF-8 bytes, or the raw
    /// bytes of <paramref name="file"/> as a byte string; with <paramref name="bencoded"/> the input
    /// is taken as bencode already, and must be valid canonical bencode.
    /// </summary>
    public static byte[] Read(string? text, string? file, bool bencoded)
    {
        if (text is null == file is null)
        {
            throw CliException.BadInput(text is null
                ? "value is missing: give <value> or --file <path>"
                : "value: give <value> or --file <path>, not both");
        }

        byte[] raw = file is null ? Encoding.UTF8.GetBytes(text!) : ReadFile(file);
        byte[] encoded = bencoded ? Validate(file is null ? "value" : $"--file '{file}'", raw) : new BencodeString(raw).Encode();
        return encoded.Length <= ItemRules.MaxValueSize
            ? encoded
            : throw CliException.BadInput($"value is {encoded.Length} bytes bencoded; BEP 44 allows at most {ItemRules.MaxValueSize}");
    }

    /// <summary>The bytes of an IPFS record file, given as &lt;record-file&gt; or --file (one of them).</summary>
    public static byte[] ReadRecord(string? argument, string? option)
    {
        if (argument is null == option is null)
        {
            throw CliException.BadInput(argument is null
                ? "record is missing: give the record file after the key (or --file <path>)"
                : "record: give the record file or --file <path>, not both");
        }

        return ReadFile(argument ?? option!);
    }

    /// <summary>The Ed25519 key pair of a key file written by `dht keygen`.</summary>
    public static Ed25519KeyPair LoadKey(string name, string path)
    {
        try
        {
            return Ed25519KeyPair.Load(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            throw CliException.BadInput($"{name}: {Describe(path, e)}");
        }
    }

    private static byte[] ReadFile(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (info.Exists && info.Length > MaxFileBytes)
            {
                throw CliException.BadInput($"--file '{path}' is {info.Length} bytes; BEP 44 allows at most {ItemRules.MaxValueSize}");
            }

            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw CliException.BadInput($"--file: {Describe(path, e)}");
        }
    }

    // The strict reader rejects everything that is not canonical bencode, bytes after the value included.
    private static byte[] Validate(string name, byte[] data)
    {
        try
        {
            _ = BencodeValue.Parse(data);
            return data;
        }
        catch (BencodeException e)
        {
            throw CliException.BadInput($"{name} is not valid bencode: {e.Message}");
        }
    }

    private static string Describe(string path, Exception e) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => $"'{path}' does not exist",
        UnauthorizedAccessException => $"'{path}' cannot be read (permission denied)",
        _ => e.Message,
    };
}
