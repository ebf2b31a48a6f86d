// The SSRF guard: every vector in the list is refused, by the URL check or at connect time, and no connection ever
// reaches the loopback listeners standing in for internal services.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { createSender, type Lookup } from '../src/modules/webhooks/webhook-sender.ts'
import { checkReceiverUrl } from '../src/modules/webhooks/url-guard.ts'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'

/** Internal services: a listener on IPv4 loopback and, where the machine has it, on IPv6 loopback. Each counts connections. */
let connections = 0
async function listen(host: string): Promise<Server | undefined> {
  const server = createServer((_req, res) => res.end('internal'))
  server.on('connection', () => connections++)
  try {
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, host, resolve))
  } catch {
    return undefined
  }
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return server
}
const v4 = (await listen('127.0.0.1'))!
const port = (v4.address() as AddressInfo).port
// The same port on ::1 if free, so vectors naming [::1]:port would land on a listener too.
await listen('::1').then((s) => s ?? undefined)

/** A resolver standing in for DNS: names an attacker controls that resolve to internal addresses (DNS rebinding). */
const dns: Record<string, string[]> = {
  'rebind.attacker.test': ['127.0.0.1'],
  'rebind-v6.attacker.test': ['::1'],
  'mixed.attacker.test': ['93.184.216.34', '127.0.0.1'],
  'metadata.attacker.test': ['169.254.169.254'],
  'private.attacker.test': ['10.1.2.3'],
  'cgnat.attacker.test': ['100.64.1.1'],
  'mapped.attacker.test': ['::ffff:127.0.0.1'],
  '127.0.0.1.nip.io': ['127.0.0.1'],
}
/** The first answer is public, every later one loopback: a check that resolved on its own would be fooled. */
let flips = 0
const lookup: Lookup = (hostname, options, callback) => {
  const answers = hostname === 'flip.attacker.test' ? [flips++ === 0 ? '93.184.216.34' : '127.0.0.1'] : dns[hostname]
  if (!answers) return callback(Object.assign(new Error('not found'), { code: 'ENOTFOUND' }), '', 0)
  const all = answers.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }))
  if (options.all) return callback(null, all)
  callback(null, all[0]!.address, all[0]!.family)
}

/** [vector, what it tries]. Kept as a list so the count is visible and a new trick is one line. */
const vectors: [string, string][] = [
  [`http://127.0.0.1:${port}/`, 'loopback'],
  [`http://localhost:${port}/`, 'localhost'],
  [`http://localhost.:${port}/`, 'localhost with a trailing dot'],
  [`http://LOCALHOST:${port}/`, 'localhost in capitals'],
  [`http://app.localhost:${port}/`, 'a .localhost name'],
  [`http://2130706433:${port}/`, 'decimal IPv4'],
  [`http://0x7f000001:${port}/`, 'hex IPv4'],
  [`http://0177.0.0.1:${port}/`, 'octal IPv4'],
  [`http://0x7f.1:${port}/`, 'mixed short hex IPv4'],
  [`http://127.1:${port}/`, 'short IPv4'],
  [`http://0:${port}/`, '0 (this host)'],
  [`http://0.0.0.0:${port}/`, 'unspecified IPv4'],
  [`http://[::1]:${port}/`, 'IPv6 loopback'],
  [`http://[::]:${port}/`, 'unspecified IPv6'],
  [`http://[::ffff:127.0.0.1]:${port}/`, 'IPv4-mapped IPv6 loopback'],
  [`http://[0:0:0:0:0:ffff:7f00:1]:${port}/`, 'IPv4-mapped IPv6 in hex'],
  [`http://[::ffff:169.254.169.254]/`, 'IPv4-mapped metadata'],
  [`http://[64:ff9b::7f00:1]:${port}/`, 'NAT64 of loopback'],
  [`http://[2002:7f00:1::]:${port}/`, '6to4 of loopback'],
  ['http://169.254.169.254/latest/meta-data/', 'AWS/GCP/Azure metadata'],
  ['http://metadata.google.internal/computeMetadata/v1/', 'GCP metadata name'],
  ['http://metadata.google.internal./computeMetadata/v1/', 'GCP metadata name, trailing dot'],
  ['http://[fd00:ec2::254]/latest/meta-data/', 'AWS IPv6 metadata'],
  ['http://100.100.100.200/latest/meta-data/', 'Alibaba metadata (CGNAT)'],
  ['http://instance-data/latest/', 'EC2 metadata short name'],
  [`http://10.0.0.1:${port}/`, 'private 10/8'],
  ['http://172.16.0.1/', 'private 172.16/12'],
  ['http://192.168.1.1/', 'private 192.168/16'],
  ['http://100.64.0.1/', 'CGNAT'],
  ['http://169.254.1.1/', 'link-local IPv4'],
  ['http://224.0.0.1/', 'multicast IPv4'],
  ['http://255.255.255.255/', 'broadcast'],
  ['http://192.0.0.1/', 'IETF protocol assignments'],
  ['http://198.18.0.1/', 'benchmarking'],
  ['http://[fe80::1]/', 'link-local IPv6'],
  ['http://[fc00::1]/', 'unique local IPv6'],
  ['http://[ff02::1]/', 'multicast IPv6'],
  [`http://user:pass@127.0.0.1:${port}/`, 'userinfo'],
  [`http://example.com@127.0.0.1:${port}/`, 'userinfo posing as a host'],
  [`gopher://127.0.0.1:${port}/`, 'another scheme'],
  ['file:///etc/passwd', 'file scheme'],
  ['https://hooks.example.com:22/', 'a privileged port (SSH)'],
  ['http://internal.corp.local/', 'an mDNS/.local name'],
  ['http://intranet/', 'a single-label name'],
  [`http://rebind.attacker.test:${port}/`, 'DNS rebinding to loopback'],
  [`http://rebind-v6.attacker.test:${port}/`, 'DNS rebinding to IPv6 loopback'],
  [`http://mixed.attacker.test:${port}/`, 'a name with a public and a loopback address'],
  ['http://metadata.attacker.test/latest/meta-data/', 'a name resolving to metadata'],
  ['http://private.attacker.test/', 'a name resolving to a private address'],
  ['http://cgnat.attacker.test/', 'a name resolving to CGNAT'],
  [`http://mapped.attacker.test:${port}/`, 'a name resolving to IPv4-mapped loopback'],
  [`http://127.0.0.1.nip.io:${port}/`, 'a wildcard-DNS name of loopback'],
  [`http://flip.attacker.test:${port}/`, 'DNS rebinding: public first, loopback at connect'],
]

/** A validator that resolves the name itself before sending sees the public first answer: the rebinding it would miss. */
function naiveCheck() {
  flips = 0
  lookup('flip.attacker.test', {}, (_err, address) => {
    if (address !== '93.184.216.34') throw new Error('the rebinding resolver should answer public first')
  })
}

const message = { messageId: 'msg_test', body: '{}', secrets: [`whsec_${Buffer.alloc(32, 1).toString('base64')}`], timestamp: new Date() }

t.test(`when ${vectors.length} SSRF vectors are tried, then every one is refused and 0 connections reach a loopback or private listener`, async (t) => {
  t.ok(vectors.length >= 30, `${vectors.length} vectors`)
  // http allowed, so each vector is refused for where it points, not for its scheme.
  const sender = createSender({ allowHttp: true, allowLoopback: false, timeoutMs: 2_000, maxResponseBytes: 4_096, lookup })
  t.teardown(() => sender.close())
  for (const [url, what] of vectors) {
    naiveCheck()
    const outcome = await sender.send(url, message)
    t.ok(!outcome.ok && ['refused_url', 'refused_address'].includes(outcome.errorClass), `${what}: ${url} → ${outcome.ok ? 'SENT' : outcome.errorClass}`)
  }
  t.equal(connections, 0, 'no connection reached a loopback listener')
})

t.test('when a name resolves to an internal address, then the refusal happens at connect time (the URL check alone passes it)', async (t) => {
  for (const url of [`http://rebind.attacker.test:${port}/`, `http://flip.attacker.test:${port}/`]) t.doesNotThrow(() => checkReceiverUrl(url, { allowHttp: true, allowLoopback: false }), url)
  const sender = createSender({ allowHttp: true, allowLoopback: false, timeoutMs: 2_000, maxResponseBytes: 4_096, lookup })
  t.teardown(() => sender.close())
  naiveCheck()
  t.match(await sender.send(`http://flip.attacker.test:${port}/`, message), { ok: false, errorClass: 'refused_address' })
  t.equal(connections, 0)
})

t.test('when https is required (the default), then http is refused even to a public host', async (t) => {
  t.throws(() => checkReceiverUrl('http://hooks.example.com/x', { allowHttp: false, allowLoopback: false }), /https/)
  t.doesNotThrow(() => checkReceiverUrl('https://hooks.example.com/x', { allowHttp: false, allowLoopback: false }))
  t.doesNotThrow(() => checkReceiverUrl('https://93.184.216.34/x', { allowHttp: false, allowLoopback: false }), 'a public address literal is fine')
})

t.test('when a receiver redirects, talks too long or too much, then the delivery fails and nothing is followed', async (t) => {
  let redirectTargetHits = 0
  const target = createServer((_req, res) => ((redirectTargetHits++), res.end('x')))
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve))
  const targetPort = (target.address() as AddressInfo).port
  const receiver = createServer((req, res) => {
    if (req.url === '/redirect') return res.writeHead(307, { location: `http://127.0.0.1:${targetPort}/` }).end()
    if (req.url === '/slow') return setTimeout(() => res.end('late'), 2_000)
    if (req.url === '/big') {
      res.writeHead(200)
      const chunk = Buffer.alloc(1024, 120)
      let sent = 0
      const pump = () => {
        while (sent < 1000 && res.write(chunk)) sent++
        if (sent < 1000) res.once('drain', pump)
        else res.end()
      }
      return pump()
    }
    res.end('ok')
  })
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  t.teardown(() => Promise.all([new Promise((r) => receiver.close(r)), new Promise((r) => target.close(r))]))
  const base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`
  const sender = createSender({ allowHttp: true, allowLoopback: true, timeoutMs: 500, maxResponseBytes: 4_096 })
  t.teardown(() => sender.close())
  t.match(await sender.send(`${base}/ok`, message), { ok: true, statusCode: 200 }, 'loopback allowed only by the development switch')
  t.match(await sender.send(`${base}/redirect`, message), { ok: false, statusCode: 307, errorClass: 'redirect' })
  t.equal(redirectTargetHits, 0, 'the redirect was not followed')
  t.match(await sender.send(`${base}/slow`, message), { ok: false, errorClass: 'timeout' })
  t.match(await sender.send(`${base}/big`, message), { ok: false, errorClass: 'response_too_large' })
  // Loopback allowed never means private allowed.
  t.match(await sender.send('http://10.0.0.1/', message), { ok: false, errorClass: 'refused_url' })
})

t.test('when a subscription names a vector the URL check can judge, then the API refuses it with a 400 naming url', async (t) => {
  const { app } = await build(t)
  const admin = { ...(await bearer({ role: 'admin', agency: 'metro' })), 'content-type': 'application/json' }
  const judged = vectors.filter(([url]) => !/attacker\.test|nip\.io/.test(url))
  for (const [url, what] of judged) {
    const res = await app.inject({ method: 'POST', url: '/v1/webhook-subscriptions', headers: admin, payload: { url: url.replace(/^http:/, 'https:') } })
    t.equal(res.statusCode, 400, `${what}: ${res.statusCode}`)
    t.equal(res.json().errors?.[0]?.field, 'url')
  }
  t.equal(connections, 0)
})
