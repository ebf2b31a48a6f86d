// Property: after any sequence of creates, updates, unpublishes, retractions and erasures, a client that applies
// /v1/changes page by page to an empty copy (or, from a cursor taken mid-way, to a full read taken there) ends equal to a
// fresh full read of the lists, for the public, a partner and an analyst.
import fc from 'fast-check'
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { outboxSettled } from './helpers/outbox.ts'
import { eventBody } from './helpers/fixtures.ts'
import { assertProperty } from './helpers/property.ts'
import { dateAfterNow } from './helpers/clock.ts'

type Json = Record<string, any>
type Copy = Map<string, string>

const lists = { event: '/v1/events', feedback: '/v1/feedback', decision: '/v1/decisions', report_back: '/v1/report-backs' } as const
type Kind = keyof typeof lists

const operations = ['scheduleEvent', 'publishEvent', 'updateEvent', 'cancelEvent', 'giveFeedback', 'partnerFeedback', 'publishFeedback', 'withholdFeedback', 'acknowledgeFeedback', 'recordDecision', 'publishDecision', 'retractDecision', 'reportBack', 'eraseGiver'] as const
const step = fc.record({ op: fc.constantFrom(...operations), pick: fc.nat(50), flag: fc.boolean() })

t.test('when a client applies the change feed from the start or from a mid cursor, then its copy equals a fresh full read', async (t) => {
  const { app, database } = await build(t)
  const staff = await bearer()
  const admin = await bearer({ role: 'admin' })
  const org = await send(app, 'POST', '/v1/organizations', staff, { name: 'Eastside Neighbours', kind: 'neighbourhood_association' })
  const viewers: Record<string, Record<string, string>> = {
    public: {},
    partner: await partnerCredential(app, admin, org.id),
    analyst: await bearer({ role: 'analyst', sub: 'analyst-1' }),
  }
  const ids: Record<Kind, string[]> = { event: [], feedback: [], decision: [], report_back: [] }
  const givers = new Map<string, string>()
  const pick = (kind: Kind, n: number) => (ids[kind].length ? ids[kind][n % ids[kind].length] : undefined)
  /** The resource's current version, as staff read it, for If-Match. */
  const version = async (kind: Kind, id: string) => (await send(app, 'GET', `${lists[kind]}/${id}`, staff)).version as number
  const at = async (kind: Kind, id: string) => ({ ...staff, 'if-match': `"${await version(kind, id)}"` })

  /** One write; a refusal (an invalid transition for the picked resource) is part of the sequence, not a failure. */
  async function run({ op, pick: n, flag }: { op: string; pick: number; flag: boolean }) {
    const event = pick('event', n)
    const item = pick('feedback', n)
    const decision = pick('decision', n)
    switch (op) {
      case 'scheduleEvent': {
        const day = String(10 + (n % 18)).padStart(2, '0')
        const created = await send(app, 'POST', '/v1/events', staff, eventBody({ draft: flag, coHostIds: [org.id], startsAt: `${dateAfterNow(86 + Number(day))}T09:00:00-05:00`, endsAt: `${dateAfterNow(86 + Number(day))}T10:00:00-05:00` }))
        return ids.event.push(created.id)
      }
      case 'publishEvent':
        return event && tryWrite(app, 'POST', `/v1/events/${event}/publish`, await at('event', event))
      case 'updateEvent':
        return event && tryWrite(app, 'PATCH', `/v1/events/${event}`, await at('event', event), { capacity: 10 + n })
      case 'cancelEvent':
        return event && tryWrite(app, 'POST', `/v1/events/${event}/cancel`, await at('event', event), {})
      case 'giveFeedback':
      case 'partnerFeedback': {
        const body = { agency: 'metro', body: `Feedback ${n}: the lights on Elm St`, language: 'en', topic: 'community_safety', publish: flag, ...(op === 'giveFeedback' && !flag ? {} : { contact: { email: `giver${n}@example.org`, consentToContact: true } }) }
        const created = await send(app, 'POST', '/v1/feedback', op === 'giveFeedback' ? {} : viewers.partner!, op === 'giveFeedback' ? body : { ...body, agency: undefined })
        ids.feedback.push(created.id)
        const full = await send(app, 'GET', `/v1/feedback/${created.id}`, staff)
        if (full.participantId) givers.set(created.id, full.participantId)
        return
      }
      case 'publishFeedback':
        return item && tryWrite(app, 'POST', `/v1/feedback/${item}/moderation`, await at('feedback', item), { action: 'publish' })
      case 'withholdFeedback':
        return item && tryWrite(app, 'POST', `/v1/feedback/${item}/moderation`, await at('feedback', item), { action: 'withhold' })
      case 'acknowledgeFeedback':
        return item && tryWrite(app, 'POST', `/v1/feedback/${item}/transitions`, await at('feedback', item), { to: 'acknowledged' })
      case 'recordDecision': {
        const created = await send(app, 'POST', '/v1/decisions', staff, { title: { en: `Decision ${n}` }, publication: flag ? 'published' : 'draft', feedbackIds: item ? [item] : [], eventIds: event ? [event] : [] })
        return ids.decision.push(created.id)
      }
      case 'publishDecision':
      case 'retractDecision':
        return decision && tryWrite(app, 'PATCH', `/v1/decisions/${decision}`, await at('decision', decision), { publication: op === 'publishDecision' ? 'published' : 'draft' })
      case 'reportBack': {
        if (!decision) return
        const created = await send(app, 'POST', '/v1/report-backs', staff, { decisionId: decision, channel: 'website', relayedAt: '2026-12-01T10:00:00Z', publication: flag ? 'published' : 'draft' })
        return ids.report_back.push(created.id)
      }
      case 'eraseGiver': {
        const giver = item && givers.get(item)
        return giver && send(app, 'POST', `/v1/participants/${giver}/erase`, admin)
      }
    }
  }

  /** The lists as `headers` reads them now, every page: type:id → the resource's JSON. */
  async function fullRead(headers: Record<string, string>): Promise<Copy> {
    const copy: Copy = new Map()
    for (const [kind, url] of Object.entries(lists)) {
      let next: string | null = `${url}?limit=100`
      while (next) {
        const page: Json = await send(app, 'GET', next, headers)
        for (const r of page.data) copy.set(`${kind}:${r.id}`, JSON.stringify(r))
        next = page.nextCursor ? `${url}?limit=100&cursor=${page.nextCursor}` : null
      }
    }
    return copy
  }

  /** Applies the feed after `cursor` to `copy`, a page of `limit` at a time; returns the cursor it ended at. */
  async function applyFeed(headers: Record<string, string>, copy: Copy, cursor: string | undefined, limit: number): Promise<string> {
    for (;;) {
      const page: Json = await send(app, 'GET', `/v1/changes?limit=${limit}${cursor ? `&after=${cursor}` : ''}`, headers)
      for (const entry of page.data) {
        if (!(entry.resourceType in lists)) continue
        const key = `${entry.resourceType}:${entry.id}`
        if (entry.tombstone) {
          tombstones[name(headers)]++
          copy.delete(key)
        } else copy.set(key, JSON.stringify(entry.resource))
      }
      cursor = page.cursor
      if (!page.hasMore) return page.cursor
    }
  }

  /**
   * Applies the feed, then polls on from where it ended until the copy matches `fresh` (at most ~2 s): the feed holds back
   * rows while an older transaction still runs anywhere on the server (other test files share a PostgreSQL cluster).
   */
  async function catchUp(headers: Record<string, string>, copy: Copy, cursor: string | undefined, limit: number, fresh: Copy) {
    await outboxSettled(database)
    let at = await applyFeed(headers, copy, cursor, limit)
    for (let i = 0; i < 40 && JSON.stringify([...copy].sort()) !== JSON.stringify([...fresh].sort()); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      at = await applyFeed(headers, copy, at, limit)
    }
  }

  let runs = 0
  const tombstones: Record<string, number> = { public: 0, partner: 0, analyst: 0 }
  const largest: Record<string, number> = { public: 0, partner: 0, analyst: 0 }
  const name = (headers: Record<string, string>) => Object.keys(viewers).find((k) => viewers[k] === headers)!
  await assertProperty(
    // Page sizes: small ones for the short stretch after a mid cursor, larger from the start (the data grows run by run).
    fc.asyncProperty(fc.array(step, { minLength: 2, maxLength: 10 }), fc.nat(), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 10, max: 60 }), async (steps, cut, midLimit, limit) => {
      runs++
      // A mid-way cursor and the full read taken at it, per viewer.
      const middle = cut % (steps.length + 1)
      const mid: Record<string, { cursor: string; copy: Copy }> = {}
      for (const [i, s] of steps.entries()) {
        if (i === middle) for (const [name, headers] of Object.entries(viewers)) mid[name] = { copy: await fullRead(headers), cursor: await applyFeed(headers, new Map(), undefined, 200) }
        await run(s)
      }
      for (const [name, headers] of Object.entries(viewers)) {
        const fresh = await fullRead(headers)
        largest[name] = Math.max(largest[name]!, fresh.size)
        const fromStart = new Map()
        await catchUp(headers, fromStart, undefined, limit, fresh)
        t.same(Object.fromEntries(fromStart), Object.fromEntries(fresh), `${name}: the feed from the start`)
        if (!mid[name]) continue
        await catchUp(headers, mid[name].copy, mid[name].cursor, midLimit, fresh)
        t.same(Object.fromEntries(mid[name].copy), Object.fromEntries(fresh), `${name}: a full read plus the feed from its cursor`)
      }
    }),
    { seed: 20261205, numRuns: 20, endOnFailure: true },
  )
  t.equal(runs > 0, true)
  // The sequences reached what the property is about: every viewer saw something leave, and had something to see.
  for (const viewer of Object.keys(viewers)) {
    t.ok(tombstones[viewer]! > 0, `${viewer} applied tombstones (${tombstones[viewer]})`)
    t.ok(largest[viewer]! > 0, `${viewer} had resources to copy (${largest[viewer]})`)
  }
})

async function send(app: FastifyInstance, method: string, url: string, headers: Record<string, string>, payload?: unknown): Promise<Json> {
  const res = await app.inject({ method: method as 'GET', url, headers, ...(payload === undefined ? {} : { payload: payload as never }) })
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`)
  return res.json()
}

/** A write the lifecycle may refuse for the resource picked (409/400); anything else is a failure. */
async function tryWrite(app: FastifyInstance, method: string, url: string, headers: Record<string, string>, payload?: unknown) {
  const res = await app.inject({ method: method as 'POST', url, headers, ...(payload === undefined ? {} : { payload: payload as never }) })
  if (res.statusCode >= 300 && res.statusCode !== 409 && res.json().code !== 'INVALID_TRANSITION') throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`)
}

/** A partner's organization credential, exchanged for a token as its sync tool would. */
async function partnerCredential(app: FastifyInstance, admin: Record<string, string>, organizationId: string): Promise<Record<string, string>> {
  const created = await send(app, 'POST', `/v1/organizations/${organizationId}/api-clients`, admin, { name: 'Sync' })
  const res = await app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: `grant_type=client_credentials&client_id=${created.apiClient?.clientId ?? created.clientId}&client_secret=${created.clientSecret}`,
  })
  if (res.statusCode !== 200) throw new Error(`token: ${res.body}`)
  return { authorization: `Bearer ${res.json().access_token}` }
}
