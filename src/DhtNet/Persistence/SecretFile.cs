using System.Security.Cryptography;

namespace DhtNet.Persistence;

/// <summary>
/// Small secret files (identity keys): written beside the target and renamed over it, so a crash
/// leaves the old file or the new one, never half of one; owner read/write only (0600) on Unix.
/// </summary>
internal static class SecretFile
{
    /// <summary>Largest secret kept; a real key is tens of bytes, an RSA key a few KiB.</summary>
    public const int MaxSize = 64 * 1024;

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static async Task WriteAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        string temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}.tmp");
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            Options = FileOptions.Asynchronous,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnly;
        }

        try
        {
            var stream = new FileStream(temporary, options);
            await using (stream.ConfigureAwait(false))
            {
                if (!OperatingSystem.IsWindows())
                {
                    // The create mode passes through the umask; set it exactly before the secret goes in.
                    File.SetUnixFileMode(stream.SafeFileHandle, OwnerOnly);
                }

                await stream.WriteAsync(content, cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>The file's bytes, or null when there is no such file.</summary>
    public static async Task<byte[]?> ReadAsync(string path, CancellationToken cancellationToken)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.Asynchronous);
        }
        catch (Exception error) when (error is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        await using (stream.ConfigureAwait(false))
        {
            if (stream.Length > MaxSize)
            {
                throw new DhtStateException($"The key file '{path}' is {stream.Length} bytes; a key file is at most {MaxSize}.") { FilePath = path };
            }

            byte[] content = new byte[stream.Length];
            await stream.ReadExactlyAsync(content, cancellationToken).ConfigureAwait(false);
            return content;
        }
    }
}
