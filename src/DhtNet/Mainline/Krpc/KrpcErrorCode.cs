namespace DhtNet.Mainline.Krpc;

/// <summary>KRPC error codes from BEP 5 (2xx) and BEP 44 (205-207, 3xx).</summary>
public static class KrpcErrorCode
{
    public const int Generic = 201;
    public const int Server = 202;

    /// <summary>Malformed packet, invalid arguments or bad token.</summary>
    public const int Protocol = 203;
    public const int MethodUnknown = 204;

    /// <summary>BEP 44: the <c>v</c> field is too big.</summary>
    public const int MessageTooBig = 205;
    public const int InvalidSignature = 206;

    /// <summary>BEP 44: the <c>salt</c> field is longer than 64 bytes.</summary>
    public const int SaltTooBig = 207;

    /// <summary>BEP 44: the <c>cas</c> did not match the stored sequence number.</summary>
    public const int CasMismatch = 301;

    /// <summary>BEP 44: the sequence number is less than the stored one.</summary>
    public const int SequenceNumberLessThanCurrent = 302;
}
