// The SSRF guard's first half: a receiver URL is refused before any connection unless it names a public https endpoint.
// The second half runs at connect time (webhook-sender.ts): the address a name resolves to is checked again there.
import { BlockList, isIP } from 'node:net'

export type UrlGuardSettings = {
  /** Plain http is accepted (development only); https otherwise. */
  allowHttp: boolean
  /** Loopback receivers (127.0.0.0/8, ::1, localhost) are accepted: local development and tests only. */
  allowLoopback: boolean
}

/** Why a URL was refused, as a short phrase a subscriber can act on. */
export class RefusedUrl extends Error {}

// Two lists: a BlockList checks an IPv4 address against IPv6 rules too (as IPv4-mapped), so one list would mix them.
const blocked4 = new BlockList()
const blocked6 = new BlockList()
// IPv4: "this network", private, CGNAT, loopback, link-local (cloud metadata), IETF protocol, documentation, benchmarking, multicast, reserved, broadcast.
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.0.2.0', 24],
  ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) blocked4.addSubnet(net, prefix, 'ipv4')
// IPv6: loopback, NAT64, discard, Teredo, documentation, 6to4, unique local (AWS metadata fd00:ec2::254), link-local,
// site-local, multicast. IPv4-mapped, -compatible and -translated forms are refused by shape (embeddedIpv4).
for (const [net, prefix] of [
  ['::1', 128], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['100::', 64], ['2001::', 32], ['2001:db8::', 32],
  ['2002::', 16], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
] as const) blocked6.addSubnet(net, prefix, 'ipv6')

/** ::, ::a.b.c.d, ::ffff:a.b.c.d and ::ffff:0:a.b.c.d in WHATWG's compressed form: an IPv4 address dressed as IPv6. */
const embeddedIpv4 = (address: string) => {
  const compressed = new URL(`http://[${address}]/`).hostname.slice(1, -1)
  return compressed === '::' || /^::(ffff:(0:)?)?[0-9a-f]{1,4}(:[0-9a-f]{1,4})?$/.test(compressed)
}

const loopback = new BlockList()
loopback.addSubnet('127.0.0.0', 8, 'ipv4')
loopback.addAddress('::1', 'ipv6')

/** Names that reach internal services whatever DNS says: cloud metadata, the machine itself, private zones. */
const internalNames = [/^localhost$/, /\.localhost$/, /^metadata$/, /^metadata\.google\.internal$/, /\.internal$/, /\.local$/, /\.localdomain$/, /\.home\.arpa$/, /^instance-data$/, /\.in-addr\.arpa$/, /\.ip6\.arpa$/]

/** Ports a webhook may use: the web's own, and the unprivileged range (not SSH, SMTP, DNS, … on a public host). */
const allowedPort = (port: number) => port === 80 || port === 443 || port >= 1024

/** Whether an address (IPv4 or IPv6 text) may be connected to. */
export function addressAllowed(address: string, settings: Pick<UrlGuardSettings, 'allowLoopback'>): boolean {
  const family = isIP(address)
  if (family === 0) return false
  const type = family === 4 ? 'ipv4' : 'ipv6'
  if (settings.allowLoopback && loopback.check(address, type)) return true
  if (family === 4) return !blocked4.check(address, 'ipv4')
  return !embeddedIpv4(address) && !blocked6.check(address, 'ipv6')
}

/**
 * The URL, normalized, when it may be a receiver; RefusedUrl otherwise. WHATWG parsing has already turned decimal, octal
 * and hex IPv4 forms (http://2130706433/, http://0x7f.1/) into dotted quads, so they are checked as the addresses they are.
 */
export function checkReceiverUrl(raw: string, settings: UrlGuardSettings): URL {
  if (raw.length > 2048) throw new RefusedUrl('is longer than 2048 characters')
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new RefusedUrl('is not a URL')
  }
  if (url.protocol !== 'https:' && !(settings.allowHttp && url.protocol === 'http:')) throw new RefusedUrl(settings.allowHttp ? 'must be an http(s) URL' : 'must be an https URL')
  if (url.username || url.password) throw new RefusedUrl('must not carry a user name or password')
  if (url.hash) throw new RefusedUrl('must not have a fragment')
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port)
  if (!allowedPort(port)) throw new RefusedUrl(`must not use port ${port}`)
  // A trailing dot names the same host (localhost. is localhost); brackets enclose an IPv6 literal.
  const host = url.hostname.toLowerCase().replace(/\.+$/, '').replace(/^\[(.*)\]$/, '$1')
  if (host === '') throw new RefusedUrl('has no host')
  if (isIP(host)) {
    if (!addressAllowed(host, settings)) throw new RefusedUrl('names a loopback, private, link-local or otherwise internal address')
    return url
  }
  if (settings.allowLoopback && host === 'localhost') return url
  if (internalNames.some((name) => name.test(host))) throw new RefusedUrl('names an internal host')
  if (!host.includes('.')) throw new RefusedUrl('must name a fully qualified host')
  // Anything numeric that WHATWG did not read as IPv4 is not a name DNS should be asked about.
  if (/^[0-9.]+$/.test(host) || /^0x/i.test(host)) throw new RefusedUrl('names an address in an unusual form')
  return url
}
