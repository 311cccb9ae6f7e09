// One bittorrent-dht 11 node for the serving harness: listens on IP:PORT with no bootstrap and
// serves until SIGTERM or SIGINT. The package is loaded from the directory given in
// BITTORRENT_DHT_MODULES (the interop peers' node_modules), so nothing is installed twice.
import path from 'node:path'
import { pathToFileURL } from 'node:url'

const [ip, port] = process.argv.slice(2)
if (!ip || !port) {
  console.error('usage: node bittorrent-dht-server.mjs IP PORT')
  process.exit(1)
}
const modules = process.env.BITTORRENT_DHT_MODULES
if (!modules) {
  console.error('BITTORRENT_DHT_MODULES must name the node_modules that holds bittorrent-dht')
  process.exit(1)
}
const { default: DHT } = await import(pathToFileURL(path.join(modules, 'bittorrent-dht', 'index.js')).href)
const dht = new DHT({ bootstrap: false, host: ip })
dht.on('error', (err) => { console.error(err); process.exit(2) })
dht.listen(Number(port), ip, () => console.log('ready'))
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => dht.destroy(() => process.exit(0)))
