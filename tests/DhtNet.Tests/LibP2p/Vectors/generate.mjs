// Produces js-vectors.json from js-libp2p, run once by hand; the test suite reads only the JSON.
//   npm install @libp2p/crypto@5.1.23 @libp2p/peer-id@6.0.15 @multiformats/multiaddr@13.0.3 multiformats@14.0.5
//   node generate.mjs > js-vectors.json
import { generateKeyPair, publicKeyFromProtobuf, privateKeyFromProtobuf, publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey, peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { base36 } from 'multiformats/bases/base36'
import * as raw from 'multiformats/codecs/raw'

const hex = b => Buffer.from(b).toString('hex')
const fromHex = h => new Uint8Array(Buffer.from(h, 'hex'))
const out = { keys: [], signatures: [], privateKeys: [], multiaddrs: [], cids: [] }

const specPublicKeys = [
  '0803125b3059301306072a8648ce3d020106082a8648ce3d03010703420004de3d300fa36ae0e8f5d530899d83abab44abf3161f162a4bc901d8e6ecda020e8b6d5f8da30525e71d6851510c098e5c47c646a597fb4dcec034e9f77c409e62',
  '080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e',
  '08021221037777e994e452c21604f91de093ce415f5432f701dd8cd1a7a6fea0e630bfca99',
]
for (const h of specPublicKeys) {
  try {
    const id = peerIdFromPublicKey(publicKeyFromProtobuf(fromHex(h)))
    out.keys.push({ publicKey: h, peerId: id.toString(), cid: id.toCID().toString(), cidBase36: id.toCID().toString(base36) })
  } catch (e) {
    // @libp2p/crypto 5.1.23 cannot read the spec's ECDSA public key; the C# tests check it against the spec alone.
    process.stderr.write(`skipped ${h}: ${e.message}\n`)
  }
}

const message = new TextEncoder().encode('DhtNet cross-checks js-libp2p signatures')
for (const [type, bits] of [['Ed25519'], ['secp256k1'], ['ECDSA'], ['RSA', 2048]]) {
  const key = await generateKeyPair(type, bits)
  const signature = await key.sign(message)
  let id = null
  try {
    id = peerIdFromPublicKey(key.publicKey)
  } catch {
    // @libp2p/peer-id 6.0.15 makes no peer id for ECDSA keys; the vector then has none.
  }
  out.signatures.push({ type, publicKey: hex(publicKeyToProtobuf(key.publicKey)), peerId: id?.toString() ?? null, cid: id?.toCID().toString() ?? null, message: hex(message), signature: hex(signature) })
}

for (const h of [
  '080112407e0830617c4a7de83925dfb2694556b12936c477a0e1feb2e148ec9da60fee7d1ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e',
  '0802122053DADF1D5A164D6B4ACDB15E24AA4C5B1D3461BDBD42ABEDB0A4404D56CED8FB',
  '08031279307702010104203E5B1FE9712E6C314942A750BD67485DE3C1EFE85B1BFB520AE8F9AE3DFA4A4CA00A06082A8648CE3D030107A14403420004DE3D300FA36AE0E8F5D530899D83ABAB44ABF3161F162A4BC901D8E6ECDA020E8B6D5F8DA30525E71D6851510C098E5C47C646A597FB4DCEC034E9F77C409E62',
]) {
  try {
    const key = privateKeyFromProtobuf(fromHex(h))
    out.privateKeys.push({ privateKey: h.toLowerCase(), publicKey: hex(publicKeyToProtobuf(key.publicKey)), peerId: peerIdFromPublicKey(key.publicKey).toString() })
  } catch (e) {
    process.stderr.write(`skipped ${h}: ${e.message}\n`)
  }
}

for (const text of [
  '/ip4/127.0.0.1/tcp/4001',
  '/ip4/1.2.3.4/tcp/4001/p2p/12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq',
  '/ip4/1.2.3.4/tcp/4001/ipfs/QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N',
  '/ip6/::1/tcp/4001',
  '/ip6/2001:db8::ff00:42:8329/udp/4001/quic-v1',
  '/ip6/fe80::1/ip6zone/eth0/tcp/80',
  '/ip4/0.0.0.0/udp/4001/quic-v1/webtransport/certhash/uEiDDq4_xNyDorZBH3TlGazyJdOWSwvo4PUo5YHFMrvDE8g/certhash/uEiAjUD1ts5Bi6FvvNJCq4EmjBsHBIgyvqbKgmv-7pq2qIA',
  '/dns/example.com/tcp/443/wss',
  '/dns4/bootstrap.libp2p.io/tcp/443/tls/sni/bootstrap.libp2p.io/ws',
  '/dns6/localhost/tcp/80/http',
  '/dnsaddr/bootstrap.libp2p.io/p2p/QmNnooDu7bfjPFoTZYxMNLWUQJyrVwtbZg5gBMjTezGAJN',
  '/ip4/1.2.3.4/tcp/4001/p2p/QmNnooDu7bfjPFoTZYxMNLWUQJyrVwtbZg5gBMjTezGAJN/p2p-circuit/p2p/12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq',
  '/ip4/1.2.3.4/udp/1234/webrtc-direct/certhash/uEiDDq4_xNyDorZBH3TlGazyJdOWSwvo4PUo5YHFMrvDE8g',
  '/unix/%2Ftmp%2Fp2p.sock',
  '/onion/timaq4ygg2iegci7:1234',
  '/onion3/vww6ybal4bd7szmgncyruucpgfkqahzddi37ktceo3ah7ngmcopnpyyd:1234',
  '/ip4/1.2.3.4/tcp/80/http/http-path/foo%2Fbar',
  '/ip4/10.0.0.0/ipcidr/8',
  '/memory/test',
  '/ip4/1.2.3.4/udp/4001/quic',
  '/ip4/1.2.3.4/tcp/4001/noise',
  '/ip4/1.2.3.4/sctp/5000/dccp/6000',
  '/ip4/1.2.3.4/udp/5000/utp',
  '/ip4/1.2.3.4/udp/5000/udt',
  '/ip4/1.2.3.4/tcp/9090/webrtc',
  '/ip4/1.2.3.4/tcp/443/https',
  '/ip4/1.2.3.4/tcp/9090/p2p-webrtc-star',
  '/ip4/1.2.3.4/tcp/9090/p2p-websocket-star',
  '/ip4/1.2.3.4/tcp/9090/p2p-webrtc-direct',
  '/ip4/1.2.3.4/tcp/9090/p2p-stardust',
  '/ip6/::ffff:1.2.3.4/tcp/1',
]) {
  try {
    const ma = multiaddr(text)
    out.multiaddrs.push({ text, bytes: hex(ma.bytes), canonical: ma.toString() })
  } catch (e) {
    process.stderr.write(`skipped ${text}: ${e.message}\n`)
  }
}

const hello = CID.create(1, raw.code, await sha256.digest(new TextEncoder().encode('hello')))
out.cids.push({ name: 'raw sha2-256 of "hello"', text: hello.toString(), bytes: hex(hello.bytes), base36: hello.toString(base36), v1: hello.toString() })
for (const text of ['QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N', 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi', 'bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe', 'bagaaierasords4njcts6vs7qvdjfcvgnume4hqohf65zsfguprqphs3icwea']) {
  const cid = CID.parse(text)
  out.cids.push({ name: text, text, bytes: hex(cid.bytes), base36: cid.toV1().toString(base36), v1: cid.toV1().toString() })
}
process.stdout.write(JSON.stringify(out, null, 2) + '\n')
