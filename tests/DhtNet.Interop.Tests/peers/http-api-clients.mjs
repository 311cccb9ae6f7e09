// Drives a DhtNet node's HTTP API through the real JavaScript clients and prints one JSON line of
// what each call returned (or the error it raised), for the C# tests to check.
//   node --import ./polyfill.mjs http-api-clients.mjs <client> <plan-json>
// client: ipfs-http-client | kubo-rpc-client | delegated-routing
// plan (Mainline): {"url","provideKey","providedKey","peer","missingPeer","queryKey","missingKey","name","value","immutableKey","immutableValue"}
// (keys and ids as 40 hex digits, values base64)
// plan (IPFS, "network":"ipfs"): {"url","network","providedCid","missingCid","peer","peerCid","peerAddr","missingPeer","queryKey",
// "pkKey","pkValue","missingRecord","publishPath","self","ipnsName","ipnsRecord","missingName","connectAddr"} (peer ids as text, CIDs as text, values base64)
import { create as createIpfs } from 'ipfs-http-client'
import { create as createKubo } from 'kubo-rpc-client'
import { delegatedRoutingV1HttpApiClient } from '@helia/delegated-routing-v1-http-api-client'
import { defaultLogger } from '@libp2p/logger'
import { CID } from 'multiformats/cid'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import * as Digest from 'multiformats/hashes/digest'

const [client, planText] = process.argv.slice(2)
const plan = JSON.parse(planText)
const results = {}

async function record (name, fn) {
  try {
    results[name] = { ok: true, value: await fn() }
  } catch (err) {
    results[name] = { ok: false, error: err?.name ?? 'Error', message: String(err?.message ?? err) }
  }
}

async function collect (iterable) {
  const out = []
  for await (const item of iterable) out.push(item)
  return out
}

// Mainline keys as CIDs: an infohash is a SHA-1 (0x11) multihash in a raw CID; a node id is wrapped
// the way the API prints it (libp2p-key CID around a 20-byte 0x12 multihash).
const hex = h => Uint8Array.from(Buffer.from(h, 'hex'))
const sha1Cid = h => CID.createV1(0x55, Digest.create(0x11, hex(h)))
const nodeCid = h => CID.createV1(0x72, Digest.create(0x12, hex(h)))

const peerInfo = p => ({ id: p.id.toString(), addrs: (p.multiaddrs ?? []).map(String) })

async function rpc (api, routing) {
  await record('id', async () => {
    const id = await api.id()
    return { id: id.id.toString(), addresses: id.addresses.map(String), agentVersion: id.agentVersion }
  })
  await record('provide', async () => (await collect(routing.provide(plan.provideKey))).map(e => e.name))
  await record('findProvsOwn', async () => (await collect(routing.findProvs(plan.provideKey)))
    .filter(e => e.name === 'PROVIDER').flatMap(e => e.providers.map(peerInfo)))
  await record('findProvs', async () => (await collect(routing.findProvs(plan.providedKey, { numProviders: 5 })))
    .filter(e => e.name === 'PROVIDER').flatMap(e => e.providers.map(peerInfo)))
  await record('findPeer', async () => (await collect(routing.findPeer(plan.peer)))
    .filter(e => e.name === 'FINAL_PEER').map(e => peerInfo(e.peer)))
  await record('query', async () => (await collect(api.dht.query(plan.queryKey)))
    .filter(e => e.name === 'FINAL_PEER').map(e => peerInfo(e.peer)))
  // The hops as the client maps them: every event name, and the nodes the peer responses named.
  await record('queryHops', async () => {
    const events = await collect(api.dht.query(plan.queryKey))
    return {
      names: [...new Set(events.map(e => e.name))],
      closer: events.filter(e => e.name === 'PEER_RESPONSE').flatMap(e => e.closer.map(peerInfo))
    }
  })
  await record('put', async () => (await collect(routing.put(plan.name, Buffer.from(plan.value, 'base64')))).map(e => e.name))
  await record('get', async () => {
    const events = await collect(routing.get(plan.name))
    const value = events.find(e => e.name === 'VALUE')?.value
    return value == null ? null : Buffer.from(value).toString('base64')
  })
  await record('putImmutable', async () => (await collect(routing.put(plan.immutableKey, Buffer.from(plan.immutableValue, 'base64')))).map(e => e.name))
  await record('getImmutable', async () => {
    const value = (await collect(routing.get(plan.immutableKey))).find(e => e.name === 'VALUE')?.value
    return value == null ? null : Buffer.from(value).toString('base64')
  })
  await record('getMissing', async () => (await collect(routing.get('no-such-record'))).map(e => e.name))
  await record('findPeerMissing', async () => (await collect(routing.findPeer(plan.missingPeer))).map(e => e.name))
  await record('timeout', async () => (await collect(routing.findProvs(plan.missingKey, { timeout: 0.001 }) /* "0.001ms": a deadline already past */)).map(e => e.name))
  await record('badKey', async () => (await collect(routing.findProvs('not-a-key'))).map(e => e.name))
}

// The IPFS network: every DHT operation, and the commands around it (add, block, name, swarm, object).
async function rpcIpfs (api, routing) {
  await record('id', async () => {
    const id = await api.id()
    return { id: id.id.toString(), addresses: id.addresses.map(String), protocols: id.protocols ?? [] }
  })
  await record('add', async () => {
    const added = await api.add(Buffer.from('hello world\n'))
    return { cid: added.cid.toString(), size: added.size }
  })
  await record('addV1', async () => (await api.add(Buffer.from('hello world'), { cidVersion: 1 })).cid.toString())
  const unique = Buffer.from(`provided through the API ${plan.url} ${Date.now()}`)
  await record('addUnique', async () => (await api.add(unique)).cid.toString())
  await record('blockPut', async () => (await api.block.put(Buffer.from('a raw block ' + plan.url))).toString())
  await record('blockGet', async () => Buffer.from(await api.block.get(CID.parse(results.blockPut.value))).toString())
  await record('provide', async () => (await collect(routing.provide(CID.parse(results.addUnique.value)))).map(e => e.name))
  await record('provideMissing', async () => (await collect(routing.provide(CID.parse(plan.missingCid)))).map(e => e.name))
  await record('findProvs', async () => (await collect(routing.findProvs(CID.parse(plan.providedCid), { numProviders: 1 })))
    .filter(e => e.name === 'PROVIDER').flatMap(e => e.providers.map(peerInfo)))
  await record('findPeer', async () => (await collect(routing.findPeer(peerIdFromString(plan.peer))))
    .filter(e => e.name === 'FINAL_PEER').map(e => peerInfo(e.peer)))
  await record('findPeerMissing', async () => (await collect(routing.findPeer(peerIdFromString(plan.missingPeer)))).map(e => e.name))
  await record('query', async () => {
    const events = await collect(api.dht.query(peerIdFromString(plan.queryKey)))
    return {
      names: [...new Set(events.map(e => e.name))],
      final: events.filter(e => e.name === 'FINAL_PEER').map(e => peerInfo(e.peer)),
      closer: events.filter(e => e.name === 'PEER_RESPONSE').flatMap(e => e.closer.map(peerInfo))
    }
  })
  await record('put', async () => (await collect(routing.put(plan.pkKey, Buffer.from(plan.pkValue, 'base64')))).map(e => e.name))
  await record('get', async () => {
    const value = (await collect(routing.get(plan.pkKey))).find(e => e.name === 'VALUE')?.value
    return value == null ? null : Buffer.from(value).toString('base64')
  })
  await record('getMissing', async () => (await collect(routing.get(plan.missingRecord))).map(e => e.name))
  await record('publish', async () => {
    const published = await api.name.publish(plan.publishPath, { lifetime: '2h' })
    return { name: String(published.name), value: String(published.value) }
  })
  await record('resolve', async () => (await collect(api.name.resolve(`/ipns/${plan.self}`))).map(String))
  await record('connect', async () => { await api.swarm.connect(multiaddr(plan.connectAddr)); return true })
  await record('peers', async () => (await api.swarm.peers()).map(p => p.peer.toString()))
  if (api.object?.new != null) {
    await record('objectNew', async () => (await api.object.new({ template: 'unixfs-dir' })).toString())
  }
  await record('timeout', async () => (await collect(routing.findProvs(CID.parse(plan.missingCid), { timeout: 0.001 }))).map(e => e.name))
  await record('badKey', async () => (await collect(routing.findProvs('not-a-key'))).map(e => e.name))
}

if (client === 'ipfs-http-client') {
  const api = createIpfs({ url: plan.url })
  await (plan.network === 'ipfs' ? rpcIpfs(api, api.dht) : rpc(api, api.dht))
} else if (client === 'kubo-rpc-client') {
  const api = createKubo({ url: plan.url })
  await (plan.network === 'ipfs' ? rpcIpfs(api, api.routing) : rpc(api, api.routing))
} else if (client === 'delegated-routing' && plan.network === 'ipfs') {
  const routing = delegatedRoutingV1HttpApiClient({ url: plan.url, timeout: 30000 })({ logger: defaultLogger() })
  await routing.start()
  const peerRecord = r => ({ id: r.ID.toString(), addrs: r.Addrs.map(String) })
  await record('getProviders', async () => (await collect(routing.getProviders(CID.parse(plan.providedCid)))).map(peerRecord))
  await record('getProvidersNone', async () => (await collect(routing.getProviders(CID.parse(plan.missingCid)))).map(peerRecord))
  await record('getPeers', async () => (await collect(routing.getPeers(CID.parse(plan.peerCid)))).map(peerRecord))
  await record('getClosestPeers', async () => (await collect(routing.getClosestPeers(CID.parse(plan.peerCid)))).map(peerRecord))
  await record('putIPNS', async () => { await routing.putIPNS(CID.parse(plan.ipnsName), Buffer.from(plan.ipnsRecord, 'base64')); return true })
  await record('getIPNS', async () => Buffer.from(await routing.getIPNS(CID.parse(plan.ipnsName))).toString('base64'))
  await record('getIPNSMissing', async () => Buffer.from(await routing.getIPNS(CID.parse(plan.missingName))).toString('base64'))
  await routing.stop()
} else if (client === 'delegated-routing') {
  const routing = delegatedRoutingV1HttpApiClient({ url: plan.url, timeout: 30000 })({ logger: defaultLogger() })
  await routing.start()
  const peerRecord = r => ({ id: r.ID.toString(), addrs: r.Addrs.map(String) })
  await record('getProviders', async () => (await collect(routing.getProviders(sha1Cid(plan.providedKey)))).map(peerRecord))
  await record('getProvidersNone', async () => (await collect(routing.getProviders(sha1Cid(plan.missingKey)))).map(peerRecord))
  await record('getPeers', async () => (await collect(routing.getPeers(nodeCid(plan.peer)))).map(peerRecord))
  await record('getClosestPeers', async () => (await collect(routing.getClosestPeers(sha1Cid(plan.queryKey)))).map(peerRecord))
  await record('getIPNS', async () => Buffer.from(await routing.getIPNS(nodeCid(plan.peer))).toString('base64'))
  await record('putIPNS', async () => { await routing.putIPNS(nodeCid(plan.peer), new Uint8Array([1, 2, 3])); return true })
  await record('getProvidersBadCid', async () => (await collect(routing.getProviders(CID.parse('bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy')))).map(peerRecord))
  await routing.stop()
} else {
  console.error(`unknown client ${client}`)
  process.exit(2)
}

process.stdout.write(JSON.stringify(results) + '\n')
