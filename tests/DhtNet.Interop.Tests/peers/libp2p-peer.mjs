// Drives one js-libp2p 3 node (TCP, Noise, yamux, identify, ping) for the DhtNet interop tests.
// Run as `node --import ./polyfill.mjs libp2p-peer.mjs`. Protocol: one JSON command per stdin line,
// {"id": n, "cmd": "...", ...}; one JSON object per stdout line: replies {"id": n, "ok": true, ...}
// or {"id": n, "ok": false, "error": "..."}, events {"event": "...", ...}. Bytes travel as base64.
// The process exits when stdin closes. Every command is listed in PROTOCOL.md.
import crypto from 'node:crypto'
import readline from 'node:readline'
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify, identifyPush } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { CID } from 'multiformats/cid'
import { createIPNSRecord, marshalIPNSRecord, unmarshalIPNSRecord, multihashToIPNSRoutingKey } from 'ipns'
import { ipnsValidator } from 'ipns/validator'
import { ipnsSelector } from 'ipns/selector'

// The test protocols both sides serve: echo returns every byte until the writer half-closes;
// sink reads and counts until the writer half-closes, then answers the count as 8 bytes.
const ECHO = '/dhtnet/test/echo/1.0.0'
const SINK = '/dhtnet/test/sink/1.0.0'

let node = null
let privateKey = null
let streamsOpened = 0

function write (obj) {
  process.stdout.write(JSON.stringify(obj) + '\n')
}

function event (name, fields) {
  write(Object.assign({ event: name }, fields))
}

function bytes (chunk) {
  return chunk instanceof Uint8Array ? chunk : chunk.subarray()
}

async function sendAll (stream, data, chunkSize = 64 * 1024) {
  for (let offset = 0; offset < data.length; offset += chunkSize) {
    if (!stream.send(data.subarray(offset, Math.min(offset + chunkSize, data.length)))) {
      await stream.onDrain()
    }
  }
}

async function readAll (stream) {
  const parts = []
  let length = 0
  for await (const chunk of stream) {
    const b = bytes(chunk)
    parts.push(b)
    length += b.length
  }
  return Buffer.concat(parts, length)
}

async function echoHandler (stream) {
  for await (const chunk of stream) {
    if (!stream.send(chunk)) await stream.onDrain()
  }
  await stream.close()
}

async function sinkHandler (stream) {
  let count = 0
  for await (const chunk of stream) count += bytes(chunk).length
  const reply = Buffer.alloc(8)
  reply.writeBigUInt64BE(BigInt(count))
  stream.send(reply)
  await stream.close()
}

function requireStarted () {
  if (!node) throw new Error('start first')
}

function peerInfo (peer) {
  return peer.toString()
}

const commands = {
  async start (cmd) {
    if (node) throw new Error('already started')
    privateKey = await generateKeyPair('Ed25519')
    node = await createLibp2p({
      privateKey,
      addresses: { listen: cmd.listen ?? ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      // Every peer of a test dials from 127.0.0.1, where a real network has one address a peer: the default
      // of 5 inbound connections a second per address would refuse the sixth test peer joining in a second.
      connectionManager: { inboundConnectionThreshold: 1_000 },
      services: Object.assign(
        { identify: identify(), identifyPush: identifyPush(), ping: ping() },
        // With {"dht": true}: an IPFS DHT server (client with {"dhtClient": true}); 127.0.0.1 addresses kept.
        // /ipns/ records are validated and chosen by the ipns package, as helia configures kad-dht.
        cmd.dht
          ? {
              dht: kadDHT({
                protocol: '/ipfs/kad/1.0.0',
                clientMode: !!cmd.dhtClient,
                peerInfoMapper: passthroughMapper,
                validators: { ipns: ipnsValidator },
                selectors: { ipns: ipnsSelector }
              })
            }
          : {})
    })
    node.addEventListener('peer:connect', e => event('connect', { peerId: peerInfo(e.detail) }))
    node.addEventListener('peer:disconnect', e => event('disconnect', { peerId: peerInfo(e.detail) }))
    node.addEventListener('peer:identify', e => event('identify', {
      peerId: peerInfo(e.detail.peerId),
      protocols: e.detail.protocols,
      listenAddrs: e.detail.listenAddrs.map(a => a.toString()),
      observedAddr: e.detail.observedAddr?.toString() ?? null,
      agentVersion: e.detail.agentVersion ?? null
    }))
    await node.handle(ECHO, echoHandler, { maxInboundStreams: 1024, maxOutboundStreams: 1024 })
    await node.handle(SINK, sinkHandler, { maxInboundStreams: 1024, maxOutboundStreams: 1024 })
    await node.start()
    return { peerId: node.peerId.toString(), addrs: node.getMultiaddrs().map(a => a.toString()) }
  },

  async handle (cmd) {
    requireStarted()
    await node.handle(cmd.protocol, async stream => { await stream.close() })
    return {}
  },

  async dial (cmd) {
    requireStarted()
    const connection = await node.dial(multiaddr(cmd.addr))
    return { peerId: connection.remotePeer.toString(), remoteAddr: connection.remoteAddr.toString() }
  },

  async peer (cmd) {
    requireStarted()
    const peer = await node.peerStore.get(peerIdFromString(cmd.peerId))
    return {
      protocols: peer.protocols,
      addrs: peer.addresses.map(a => a.multiaddr.toString()),
      agentVersion: peer.metadata.has('AgentVersion') ? new TextDecoder().decode(peer.metadata.get('AgentVersion')) : null
    }
  },

  async ping (cmd) {
    requireStarted()
    const rtt = await node.services.ping.ping(peerIdFromString(cmd.peerId))
    return { rtt }
  },

  // Opens `streams` echo streams at once, each sending `size` random bytes, half-closing and reading
  // the echo to its end; reports how many came back intact.
  async echo (cmd) {
    requireStarted()
    const peer = peerIdFromString(cmd.peerId)
    const runs = Array.from({ length: cmd.streams }, async () => {
      const data = crypto.randomBytes(cmd.size)
      const stream = await node.dialProtocol(peer, ECHO)
      streamsOpened++
      const reading = readAll(stream)
      await sendAll(stream, data)
      await stream.close()
      const back = await reading
      return Buffer.compare(back, data) === 0
    })
    const results = await Promise.all(runs)
    return { intact: results.filter(x => x).length, streams: results.length }
  },

  // Starts sending `size` bytes on a sink stream and, after `after` bytes, ends it by `mode`:
  // "close" half-closes early, "reset" aborts the stream, "connection" closes the whole connection.
  async interrupt (cmd) {
    requireStarted()
    const peer = peerIdFromString(cmd.peerId)
    const streams = await Promise.all(Array.from({ length: cmd.streams ?? 1 }, () => node.dialProtocol(peer, cmd.protocol ?? SINK)))
    await Promise.all(streams.map(async stream => {
      const data = crypto.randomBytes(cmd.after)
      await sendAll(stream, data)
    }))
    if (cmd.mode === 'close') {
      await Promise.all(streams.map(s => s.close()))
    } else if (cmd.mode === 'reset') {
      streams.forEach(s => s.abort(new Error('interop test reset')))
    } else if (cmd.mode === 'connection') {
      await Promise.all(node.getConnections(peer).map(c => c.close()))
    } else if (cmd.mode === 'abortConnection') {
      node.getConnections(peer).forEach(c => c.abort(new Error('interop test abort')))
    } else {
      throw new Error(`unknown mode ${cmd.mode}`)
    }
    return { streams: streams.length }
  },

  async connections () {
    requireStarted()
    return {
      connections: node.getConnections().map(c => ({
        peerId: c.remotePeer.toString(),
        remoteAddr: c.remoteAddr.toString(),
        streams: c.streams.length,
        status: c.status
      }))
    }
  },

  async hangUp (cmd) {
    requireStarted()
    await node.hangUp(peerIdFromString(cmd.peerId))
    return {}
  },

  // The DHT commands run one kad-dht query and report what it yielded: providers, values, peers, and
  // every QUERY_ERROR (with the peer it came from), so a test can see errors js met talking to DhtNet.
  async dhtProvide (cmd) {
    return await runQuery(dht().provide(CID.parse(cmd.cid), signal(cmd)))
  },

  async dhtFindProviders (cmd) {
    return await runQuery(dht().findProviders(CID.parse(cmd.cid), signal(cmd)))
  },

  async dhtPut (cmd) {
    return await runQuery(dht().put(Buffer.from(cmd.key, 'base64'), Buffer.from(cmd.value, 'base64'), signal(cmd)))
  },

  async dhtGet (cmd) {
    return await runQuery(dht().get(Buffer.from(cmd.key, 'base64'), signal(cmd)))
  },

  async dhtFindPeer (cmd) {
    return await runQuery(dht().findPeer(peerIdFromString(cmd.peerId), signal(cmd)))
  },

  async dhtClosest (cmd) {
    return await runQuery(dht().getClosestPeers(Buffer.from(cmd.key, 'base64'), signal(cmd)))
  },

  // An IPNS record for this node's own name, made and signed by the ipns package: V2 (signature over
  // the CBOR data) and, unless {"v1Compatible": false}, the V1 fields too.
  async ipnsCreate (cmd) {
    requireStarted()
    const record = await createIPNSRecord(privateKey, cmd.value, BigInt(cmd.seq), cmd.lifetimeMs, { v1Compatible: cmd.v1Compatible ?? true, ttlNs: BigInt(cmd.ttlNs ?? 3600e9) })
    return {
      key: Buffer.from(multihashToIPNSRoutingKey(node.peerId.toMultihash())).toString('base64'),
      record: Buffer.from(marshalIPNSRecord(record)).toString('base64')
    }
  },

  // Validates a record for a routing key as kad-dht does (signature, name, expiry) and reports what the
  // ipns package read from it; a record that fails validation fails the command.
  async ipnsInspect (cmd) {
    const key = Buffer.from(cmd.key, 'base64')
    const bytes = Buffer.from(cmd.record, 'base64')
    await ipnsValidator(key, bytes)
    const record = unmarshalIPNSRecord(bytes)
    return {
      value: record.value,
      sequence: record.sequence.toString(),
      validity: record.validity,
      ttl: record.ttl.toString(),
      v1: record.signatureV1 != null
    }
  },

  async dhtTable () {
    const table = dht().routingTable
    const peers = []
    for (const bucket of bucketsOf(table.kb.root)) for (const c of bucket) peers.push(c.peerId.toString())
    return { peers }
  },

  async stop () {
    if (node) await node.stop()
    node = null
    return {}
  }
}

function dht () {
  requireStarted()
  if (!node.services.dht) throw new Error('started without dht')
  return node.services.dht
}

function signal (cmd) {
  return { signal: AbortSignal.timeout(cmd.timeoutMs ?? 30000) }
}

function * bucketsOf (n) {
  if (n.peers) yield n.peers
  if (n.left) yield * bucketsOf(n.left)
  if (n.right) yield * bucketsOf(n.right)
}

function peerJson (p) {
  return { peerId: p.id.toString(), addrs: (p.multiaddrs ?? []).map(a => a.toString()) }
}

// elapsedMs: the whole query; firstProviderMs: until the first PROVIDER event (null without one). Both are
// timed in this process, so the side-by-side harness compares query times without the driver's pipe.
async function runQuery (events) {
  const out = { providers: [], values: [], peers: [], errors: [], responses: [], elapsedMs: 0, firstProviderMs: null }
  const started = performance.now()
  for await (const e of events) {
    if (e.name === 'PROVIDER' && out.firstProviderMs == null && e.providers.length > 0) out.firstProviderMs = performance.now() - started
    if (e.name === 'PROVIDER') out.providers.push(...e.providers.map(peerJson))
    else if (e.name === 'VALUE') out.values.push({ from: e.from.toString(), value: Buffer.from(e.value).toString('base64') })
    else if (e.name === 'FINAL_PEER') out.peers.push(peerJson(e.peer))
    else if (e.name === 'QUERY_ERROR') out.errors.push({ from: e.from?.toString() ?? null, error: String(e.error?.message ?? e.error) })
    else if (e.name === 'PEER_RESPONSE') out.responses.push({ from: e.from.toString(), type: e.messageName ?? String(e.messageType) })
  }
  out.elapsedMs = performance.now() - started
  return out
}

const lines = readline.createInterface({ input: process.stdin })
lines.on('line', async line => {
  let cmd
  try {
    cmd = JSON.parse(line)
  } catch (err) {
    event('error', { message: `bad command line: ${err.message}` })
    return
  }
  const handler = commands[cmd.cmd]
  try {
    if (!handler) throw new Error(`unknown command ${cmd.cmd}`)
    const reply = await handler(cmd)
    write(Object.assign({ id: cmd.id, ok: true }, reply))
  } catch (err) {
    write({ id: cmd.id, ok: false, error: err?.stack ?? String(err) })
  }
})
lines.on('close', async () => {
  try {
    if (node) await node.stop()
  } finally {
    process.exit(0)
  }
})
process.on('unhandledRejection', err => event('error', { message: `unhandled rejection: ${err?.stack ?? err}` }))
