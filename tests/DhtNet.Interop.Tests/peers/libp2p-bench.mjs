// The js side of the libp2p side-by-side benchmark (bench/DhtNet.Benchmarks, "libp2p"): two js-libp2p
// nodes in this process on 127.0.0.1 measure connection setups per second (TCP, multistream-select,
// Noise XX, yamux; the close is not timed) and the throughput of one stream into a sink.
// Run: node --import ./polyfill.mjs libp2p-bench.mjs SETUPS MEGABYTES; prints one JSON line.
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { generateKeyPair } from '@libp2p/crypto/keys'

const SINK = '/dhtnet/bench/sink/1.0.0'
const setups = Number(process.argv[2] ?? 200)
const megabytes = Number(process.argv[3] ?? 256)

async function node () {
  return createLibp2p({
    privateKey: await generateKeyPair('Ed25519'),
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() },
    // Its defaults refuse a host that connects more than 5 times a second: lift them for the loop below.
    connectionManager: { maxConnections: 10_000, inboundConnectionThreshold: 1_000_000, maxIncomingPendingConnections: 1_000 }
  })
}

const server = await node()
const client = await node()
await server.handle(SINK, async stream => {
  let count = 0
  for await (const chunk of stream) count += chunk.byteLength
  const reply = new Uint8Array(8)
  new DataView(reply.buffer).setBigUint64(0, BigInt(count))
  stream.send(reply)
  await stream.close()
})
const address = server.getMultiaddrs()[0]

// Connection setups, one after another: only the dial is timed (a graceful close waits on timers).
let setupNanoseconds = 0n
for (let i = 0; i < setups; i++) {
  const started = process.hrtime.bigint()
  const connection = await client.dial(address)
  setupNanoseconds += process.hrtime.bigint() - started
  await connection.close()
}
const setupSeconds = Number(setupNanoseconds) / 1e9

// Throughput: one stream, 64 KiB writes, until the sink has counted everything.
const chunk = new Uint8Array(64 * 1024).fill(7)
const total = megabytes * 1024 * 1024
const stream = await client.dialProtocol(address, SINK)
const started = process.hrtime.bigint()
for (let sent = 0; sent < total; sent += chunk.length) {
  if (!stream.send(chunk)) await stream.onDrain()
}
await stream.close()
let reply = 0n
for await (const part of stream) {
  const bytes = part instanceof Uint8Array ? part : part.subarray()
  reply = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0)
}
const streamSeconds = Number(process.hrtime.bigint() - started) / 1e9
if (reply !== BigInt(total)) throw new Error(`the sink counted ${reply} of ${total} bytes`)

process.stdout.write(JSON.stringify({ setupsPerSecond: setups / setupSeconds, megabytesPerSecond: megabytes / streamSeconds }) + '\n')
await client.stop()
await server.stop()
