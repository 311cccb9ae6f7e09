using DhtNet.Mainline.Krpc;

namespace DhtNet.Mainline.Bep44;

/// <summary>
/// A mutable put that no node accepted because every refusal said the item is outdated: 302 (a
/// higher seq is stored) or 301 (the cas did not match). Read the item again and retry.
/// </summary>
public sealed class DhtPutException : Exception
{
    /// <summary>A put refused with <paramref name="code"/> (301 or 302).</summary>
    public DhtPutException(int code, string message, PutResult result)
        : base(message)
    {
        ArgumentNullException.ThrowIfNull(result);
        Code = code;
        Result = result;
    }

    /// <summary>The BEP 44 error code: <see cref="KrpcErrorCode.CasMismatch"/> or <see cref="KrpcErrorCode.SequenceNumberLessThanCurrent"/>.</summary>
    public int Code { get; }

    /// <summary>What the put achieved, with the refusals by code.</summary>
    public PutResult Result { get; }
}
