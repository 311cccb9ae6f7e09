namespace DhtNet.LibP2p.Crypto;

/// <summary>The libp2p key types, with the values of the <c>KeyType</c> protobuf enum.</summary>
public enum KeyType
{
    Rsa = 0,
    Ed25519 = 1,
    Secp256k1 = 2,
    Ecdsa = 3,
}
