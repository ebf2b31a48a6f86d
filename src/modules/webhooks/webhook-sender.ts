// Sends one signed webhook request: the SSRF guard's second half (the resolved address is checked at connect time),
// no redirects, a time limit and a cap on what is read back. Never throws: the outcome is a delivery's record.
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns'
import { request as httpRequest, type RequestOptions } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from 'request-filtering-agent'
import { Webhook } from 'standardwebhooks'
import { addressAllowed, checkReceiverUrl, RefusedUrl, type UrlGuardSettings } from './url-guard.ts'

/** dns.lookup's shape, so a test can stand in a resolver (a name that resolves to a private address: DNS rebinding). */
export type Lookup = (hostname: string, options: LookupOptions, callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) => void

export type SenderSettings = UrlGuardSettings & { timeoutMs: number; maxResponseBytes: number; lookup?: Lookup }

/** `errorClass`: timeout, refused_address, refused_url, connection, redirect, http_status, response_too_large. Never the receiver's words. */
export type SendOutcome = { ok: true; statusCode: number } | { ok: false; statusCode: number | null; errorClass: string }

export type SignedMessage = { messageId: string; body: string; secrets: string[]; timestamp: Date }

/** Standard Webhooks 1.0 headers; every secret still signing adds its signature (rotation: both verify during the overlap). */
export function signatureHeaders({ messageId, body, secrets, timestamp }: SignedMessage): Record<string, string> {
  const signatures = secrets.map((secret) => new Webhook(secret).sign(messageId, timestamp, body))
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
    'webhook-signature': signatures.join(' '),
  }
}

export function createSender(settings: SenderSettings) {
  const allowIPAddressList = settings.allowLoopback ? ['127.0.0.0/8', '::1'] : []
  const agentOptions = { keepAlive: false, allowPrivateIPAddress: false, allowMetaIPAddress: false, allowIPAddressList }
  const agents = { http: new RequestFilteringHttpAgent(agentOptions), https: new RequestFilteringHttpsAgent(agentOptions) }
  const resolve = settings.lookup ?? (dnsLookup as unknown as Lookup)
  // Our own check of every address a name resolves to, under request-filtering-agent's (which wraps this lookup).
  const guardedLookup: Lookup = (hostname, options, callback) =>
    resolve(hostname, options, (err, address, family) => {
      if (err) return callback(err, address, family)
      const all = Array.isArray(address) ? address.map((a) => a.address) : [address]
      if (all.some((a) => !addressAllowed(a, settings))) return callback(Object.assign(new Error('refused address'), { code: 'EREFUSEDADDRESS' }), address, family)
      callback(null, address, family)
    })

  return {
    async send(url: string, message: SignedMessage): Promise<SendOutcome> {
      let target: URL
      try {
        target = checkReceiverUrl(url, settings)
      } catch (err) {
        if (err instanceof RefusedUrl) return { ok: false, statusCode: null, errorClass: 'refused_url' }
        throw err
      }
      const https = target.protocol === 'https:'
      const options: RequestOptions = {
        method: 'POST',
        agent: https ? agents.https : agents.http,
        lookup: guardedLookup as RequestOptions['lookup'],
        headers: { 'content-type': 'application/json', 'user-agent': 'community-engagement-api-webhooks/1', ...signatureHeaders(message) },
        timeout: settings.timeoutMs,
        signal: AbortSignal.timeout(settings.timeoutMs),
      }
      return new Promise<SendOutcome>((resolveOutcome) => {
        let settled = false
        const done = (outcome: SendOutcome) => {
          if (settled) return
          settled = true
          resolveOutcome(outcome)
        }
        const req = (https ? httpsRequest : httpRequest)(target, options, (res) => {
          const statusCode = res.statusCode ?? 0
          let read = 0
          res.on('data', (chunk: Buffer) => {
            read += chunk.length
            // Only the status matters; a receiver that keeps talking is cut off.
            if (read > settings.maxResponseBytes) {
              done({ ok: false, statusCode, errorClass: 'response_too_large' })
              res.destroy()
            }
          })
          res.on('end', () => {
            if (statusCode >= 200 && statusCode < 300) done({ ok: true, statusCode })
            else if (statusCode >= 300 && statusCode < 400) done({ ok: false, statusCode, errorClass: 'redirect' })
            else done({ ok: false, statusCode, errorClass: 'http_status' })
          })
          res.on('error', () => done({ ok: false, statusCode, errorClass: 'connection' }))
          // Cut off mid-answer (abort, reset) without an error event: still a failure, never a hang.
          res.on('close', () => done({ ok: false, statusCode, errorClass: res.complete ? 'connection' : 'timeout' }))
        })
        req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })))
        req.on('error', (err: NodeJS.ErrnoException) => {
          const refused = err.code === 'EREFUSEDADDRESS' || /is not allowed/.test(err.message)
          const timedOut = err.code === 'ETIMEDOUT' || err.name === 'TimeoutError' || err.name === 'AbortError'
          done({ ok: false, statusCode: null, errorClass: refused ? 'refused_address' : timedOut ? 'timeout' : 'connection' })
        })
        req.end(message.body)
      })
    },
    close() {
      agents.http.destroy()
      agents.https.destroy()
    },
  }
}
export type Sender = ReturnType<typeof createSender>
