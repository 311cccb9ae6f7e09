using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace DhtNet.Cli.Api;

/// <summary>A file a client uploads: its bytes and, when the multipart part named one, its file name.</summary>
internal sealed record UploadedFile(byte[] Data, string? Name);

/// <summary>
/// Reads the one file an RPC command takes (a record value, a block, a file to add): the first part of a
/// multipart/form-data body, as both clients send it, or the raw body otherwise; bounded, refusals
/// naming the argument.
/// </summary>
internal static class RequestBodies
{
    private const int MaxBoundary = 200;

    /// <param name="argument">The name a refusal gives the body.</param>
    /// <param name="max">The most bytes the file may have; raises the server's request-body limit to fit it.</param>
    /// <param name="allowEmpty">Whether an empty file is a file (add of an empty file is) or a missing one.</param>
    public static async Task<UploadedFile> ReadFileAsync(HttpRequest request, string argument, int max, bool allowEmpty = false)
    {
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            // Room for the multipart framing around the file.
            limit.MaxRequestBodySize = Math.Max(limit.MaxRequestBodySize ?? 0, max + (16 * 1024));
        }

        var cancellationToken = request.HttpContext.RequestAborted;
        if (request.ContentType is { } contentType && contentType.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase))
        {
            string? boundary = MediaTypeHeaderValue.TryParse(contentType, out var media)
                ? HeaderUtilities.RemoveQuotes(media.Boundary).Value
                : null;
            if (string.IsNullOrEmpty(boundary) || boundary.Length > MaxBoundary)
            {
                throw new ApiArgumentException(argument, "multipart body without a usable boundary");
            }

            MultipartSection? section;
            try
            {
                section = await new MultipartReader(boundary, request.Body) { HeadersCountLimit = 8, HeadersLengthLimit = 4096 }
                    .ReadNextSectionAsync(cancellationToken);
            }
            catch (Exception e) when (e is InvalidDataException or (IOException and not BadHttpRequestException) && !cancellationToken.IsCancellationRequested)
            {
                throw new ApiArgumentException(argument, $"malformed multipart body ({e.Message})");
            }

            if (section is null)
            {
                throw new ApiArgumentException(argument, "the multipart body has no part");
            }

            string? name = section.GetContentDispositionHeader() is { } disposition
                ? HeaderUtilities.RemoveQuotes(disposition.FileName).Value ?? HeaderUtilities.RemoveQuotes(disposition.FileNameStar).Value
                : null;
            return new UploadedFile(await ReadBoundedAsync(section.Body, argument, max, allowEmpty, cancellationToken), string.IsNullOrEmpty(name) ? null : Uri.UnescapeDataString(name));
        }

        return new UploadedFile(await ReadBoundedAsync(request.Body, argument, max, allowEmpty, cancellationToken), null);
    }

    private static async Task<byte[]> ReadBoundedAsync(Stream stream, string argument, int max, bool allowEmpty, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int read;
        try
        {
            while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
            {
                if (body.Length + read > max)
                {
                    throw new ApiArgumentException(argument, $"at most {max} bytes");
                }

                body.Write(buffer, 0, read);
            }
        }
        catch (Exception e) when (e is InvalidDataException or (IOException and not BadHttpRequestException) && !cancellationToken.IsCancellationRequested)
        {
            throw new ApiArgumentException(argument, $"malformed body ({e.Message})");
        }

        if (body.Length == 0 && !allowEmpty)
        {
            throw new ApiArgumentException(argument, "empty: send it as a multipart file");
        }

        return body.ToArray();
    }
}
