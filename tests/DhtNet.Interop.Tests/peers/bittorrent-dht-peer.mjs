// Drives one bittorrent-dht 11 node for the DhtNet interop tests.
// Protocol: one JSON command per stdin line, {"id": n, "cmd": "...", ...}; one JSON object per
// stdout line: replies {"id": n, "ok": true, ...} or {"id": n, "ok": false, "error": "..."},
// events {"event": "...", ...}. Binary values travel as base64, ids, hashes and keys as hex.
// The process exits when stdin closes. Every command is listed in PROTOCOL.md.
// Nothing here may reach beyond the addresses it is given: the library's public bootstrap
// routers are never used (bootstrap is a list or false).
import crypto from 'node:crypto'
import readline from 'node:readline'
import bencode from 'bencode'
import DHT from 'bittorrent-dht'

// DER prefixes that wrap raw ed25519 keys so Node's crypto can use them (RFC 8410 layouts).
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')

let dht = null
let trace = false

function write (obj) {
  process.stdout.write(JSON.stringify(obj) + '\n')
}

function event (name, fields) {
  write(Object.assign({ event: name }, fields))
}

function verify (sig, msg, pk) {
  try {
    const key = crypto.createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, Buffer.from(pk)]), format: 'der', type: 'spki' })
    return crypto.verify(null, Buffer.from(msg), key, Buffer.from(sig))
  } catch {
    return false
  }
}

function keyPairFromSeed (seedHex) {
  const seed = Buffer.from(seedHex, 'hex')
  if (seed.length !== 32) throw new Error('seed must be 32 bytes of hex')
  const privateKey = crypto.createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' })
  const jwk = crypto.createPublicKey(privateKey).export({ format: 'jwk' })
  return { privateKey, publicKey: Buffer.from(jwk.x, 'base64url') }
}

// bencode 4 decodes byte strings to Uint8Array; k-rpc's encoder wants Buffers, so convert deeply.
function toBuffers (value) {
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength)
  if (Array.isArray(value)) return value.map(toBuffers)
  if (value !== null && typeof value === 'object') {
    const out = {}
    for (const key of Object.keys(value)) out[key] = toBuffers(value[key])
    return out
  }
  return value
}

function b64 (bytes) {
  return Buffer.from(bytes).toString('base64')
}

// The item value: "v" is raw bytes stored as one bencoded byte string, "vBencoded" any value.
function itemValue (cmd) {
  if (typeof cmd.vBencoded === 'string') return toBuffers(bencode.decode(Buffer.from(cmd.vBencoded, 'base64')))
  if (typeof cmd.v === 'string') return Buffer.from(cmd.v, 'base64')
  throw new Error('v (base64 bytes) or vBencoded (base64 of a bencoded value) is required')
}

function parseHostPort (text) {
  const colon = text.lastIndexOf(':')
  return { host: text.substring(0, colon), port: Number(text.substring(colon + 1)) }
}

function requireStarted () {
  if (!dht) throw new Error('start first')
}

function start (cmd, reply) {
  if (dht) throw new Error('already started')
  const host = cmd.host || '127.0.0.1'
  const bootstrap = Array.isArray(cmd.bootstrap) && cmd.bootstrap.length > 0 ? cmd.bootstrap : false
  trace = !!cmd.trace
  const opts = { bootstrap, host, verify }
  if (cmd.nodeId) opts.nodeId = Buffer.from(cmd.nodeId, 'hex')
  dht = new DHT(opts)
  dht.on('warning', err => event('warning', { message: String(err && err.message ? err.message : err) }))
  dht.on('error', err => event('error', { message: String(err && err.message ? err.message : err) }))
  dht.on('ready', () => event('ready', {}))
  dht.on('announce', (peer, infoHash, from) => {
    event('announce', { infoHash: Buffer.from(infoHash).toString('hex'), peer: `${peer.host}:${peer.port}`, from: `${from.host}:${from.port}` })
  })
  if (trace) {
    dht._rpc.on('query', (query, peer) => {
      event('query', {
        q: query.q ? Buffer.from(query.q).toString() : null,
        from: `${peer.address}:${peer.port}`,
        message: b64(bencode.encode(query))
      })
    })
  }
  dht.once('listening', () => {
    reply({ port: dht.address().port, nodeId: Buffer.from(dht.nodeId).toString('hex') })
  })
  // listen in the same tick as the constructor, before its bootstrap runs on the next tick.
  dht.listen(cmd.port || 0, host)
}

const handlers = {
  start,

  addNode (cmd, reply) {
    requireStarted()
    // Ping first so the reply says whether the node answered and which id it has.
    dht._sendPing({ host: cmd.host, port: cmd.port }, (err, node) => {
      if (err || !node) return reply({ added: false, error: err ? err.message : 'no reply' })
      dht.addNode(node)
      reply({ added: true, nodeId: Buffer.from(node.id).toString('hex') })
    })
  },

  announce (cmd, reply, fail) {
    requireStarted()
    dht.announce(cmd.infoHash, cmd.port || 0, (err, n) => err ? fail(err.message) : reply({ nodes: n || 0 }))
  },

  lookup (cmd, reply, fail) {
    requireStarted()
    const infoHash = cmd.infoHash.toLowerCase()
    const peers = new Set()
    const onPeer = (peer, hash) => {
      if (Buffer.from(hash).toString('hex') === infoHash) peers.add(`${peer.host}:${peer.port}`)
    }
    dht.on('peer', onPeer)
    dht.lookup(infoHash, (err, visited) => {
      // 'peer' events of the local store are emitted on the next tick; let them land first.
      setImmediate(() => {
        dht.removeListener('peer', onPeer)
        if (err) return fail(err.message)
        reply({ peers: [...peers], visited: visited || 0 })
      })
    })
  },

  put (cmd, reply, fail) {
    requireStarted()
    const v = itemValue(cmd)
    const opts = { v }
    let publicKey = null
    if (cmd.seed) {
      const pair = keyPairFromSeed(cmd.seed)
      publicKey = pair.publicKey
      opts.k = publicKey
      opts.seq = cmd.seq === undefined ? 0 : cmd.seq
      if (cmd.salt) opts.salt = Buffer.from(cmd.salt, 'base64')
      if (typeof cmd.cas === 'number') opts.cas = cmd.cas
      opts.sign = buf => crypto.sign(null, Buffer.from(buf), pair.privateKey)
    }
    // put returns the target at once; the callback gets no hash when the lookup before it failed.
    let target = null
    target = dht.put(opts, (err, hash, n) => {
      const key = hash || target
      const fields = { hash: key ? Buffer.from(key).toString('hex') : null, nodes: n || 0 }
      if (publicKey) fields.publicKey = publicKey.toString('hex')
      if (err) fields.error = err.message
      reply(fields)
    })
  },

  get (cmd, reply, fail) {
    requireStarted()
    const opts = { cache: cmd.cache === true }
    if (cmd.salt) opts.salt = Buffer.from(cmd.salt, 'base64')
    dht.get(cmd.hash, opts, (err, value) => {
      if (err) return fail(err.message)
      if (!value) return reply({ found: false })
      const fields = { found: true, vBencoded: b64(bencode.encode(value.v)) }
      if (value.v instanceof Uint8Array) fields.v = b64(value.v)
      if (typeof value.seq === 'number') fields.seq = value.seq
      if (value.k) fields.k = Buffer.from(value.k).toString('hex')
      if (value.sig) fields.sig = Buffer.from(value.sig).toString('hex')
      reply(fields)
    })
  },

  nodes (cmd, reply) {
    requireStarted()
    const nodes = dht._rpc.nodes.toArray().map(node => ({
      id: Buffer.from(node.id).toString('hex'),
      host: node.host,
      port: node.port
    }))
    reply({ nodes, values: Object.keys(dht.toJSON().values).length })
  },

  // An iterative lookup (k-rpc's closest) for target with find_node, get_peers or get queries;
  // returns the nodes that answered, closest first, and how many answered in all.
  closest (cmd, reply, fail) {
    requireStarted()
    const target = Buffer.from(cmd.target, 'hex')
    if (target.length !== 20) throw new Error('target must be 20 bytes of hex')
    const q = cmd.q || 'find_node'
    const a = { id: dht._rpc.id }
    if (q === 'get_peers') a.info_hash = target
    else a.target = target
    const responders = new Map()
    dht._rpc.closest(target, { q, a }, (message, peer) => {
      const id = message.r && message.r.id
      if (peer && id instanceof Uint8Array && id.length === 20) {
        responders.set(`${peer.address}:${peer.port}`, { id: Buffer.from(id), host: peer.address, port: peer.port })
      }
      return true
    }, (err, n) => {
      if (err) return fail(err.message)
      const distance = node => Buffer.from(node.id.map((b, i) => b ^ target[i]))
      const nodes = [...responders.values()]
        .sort((x, y) => Buffer.compare(distance(x), distance(y)))
        .slice(0, cmd.k || 20)
        .map(node => ({ id: node.id.toString('hex'), host: node.host, port: node.port }))
      reply({ nodes, responded: n || 0 })
    })
  },

  // Sends one KRPC query exactly as given ("a" is a base64 bencoded dictionary, not completed with
  // this node's id; "extra" an optional one whose keys join the message's top level, e.g. ro) and
  // returns the transaction id sent and the whole reply message, bencoded, or timedOut after about 2 s.
  query (cmd, reply) {
    requireStarted()
    const a = cmd.a ? toBuffers(bencode.decode(Buffer.from(cmd.a, 'base64'))) : {}
    const socket = dht._rpc.socket
    const send = socket.send
    let t = null
    // k-rpc-socket builds the message and sends it synchronously inside query(): intercept that one send.
    socket.send = function (peer, message, cb) {
      socket.send = send
      t = Buffer.from(message.t).toString('hex')
      const extra = cmd.extra ? toBuffers(bencode.decode(Buffer.from(cmd.extra, 'base64'))) : {}
      return send.call(this, peer, Object.assign({}, message, extra), cb)
    }
    try {
      socket.query({ host: cmd.host, port: cmd.port }, { q: cmd.q, a }, (err, message) => {
        if (message) {
          const y = message.y ? Buffer.from(message.y).toString() : null
          return reply({ t, y, reply: b64(bencode.encode(message)) })
        }
        reply({ t, timedOut: err && err.code === 'ETIMEDOUT', error: err ? err.message : 'no reply' })
      })
    } finally {
      socket.send = send
    }
  },

  // Sends arbitrary bytes from the DHT socket; any answer surfaces as a warning event.
  sendRaw (cmd, reply, fail) {
    requireStarted()
    const bytes = Buffer.from(cmd.bytes, 'base64')
    dht._rpc.socket.socket.send(bytes, cmd.port, cmd.host, err => err ? fail(err.message) : reply({}))
  },

  stop (cmd, reply) {
    if (!dht) return reply({})
    dht.destroy(() => reply({}))
    dht = null
  }
}

function dispatch (line) {
  let cmd
  try {
    cmd = JSON.parse(line)
  } catch (e) {
    return event('error', { message: `bad command line: ${e.message}` })
  }
  let answered = false
  const reply = fields => {
    if (answered) return
    answered = true
    write(Object.assign({ id: cmd.id, ok: true }, fields))
  }
  const fail = message => {
    if (answered) return
    answered = true
    write({ id: cmd.id, ok: false, error: String(message) })
  }
  const handler = handlers[cmd.cmd]
  if (!handler) return fail(`unknown command ${cmd.cmd}`)
  try {
    handler(cmd, reply, fail)
  } catch (e) {
    fail(e.message)
  }
}

const input = readline.createInterface({ input: process.stdin })
input.on('line', line => { if (line.trim()) dispatch(line) })
input.on('close', () => {
  if (dht) dht.destroy()
  process.exit(0)
})
process.on('uncaughtException', err => {
  event('error', { message: `uncaught: ${err.stack || err}` })
})
