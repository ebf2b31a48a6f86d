/** An Open311 GeoReport v2 facade over topics and feedback: topics are services, published feedback is service requests. */
import { publicActor } from '../../auth/actor.ts'
import type { RequestContext } from '../../context.ts'
import { AppError, validationFailed } from '../../errors.ts'
import type { AgencyRow } from '../agencies/agencies-repository.ts'
import type { AgenciesService, AreaView } from '../agencies/agencies-service.ts'
import type { DecisionsService } from '../decisions/decisions-service.ts'
import type { EventView } from '../events/event-view.ts'
import type { FeedbackStatus } from '../feedback/feedback-lifecycle.ts'
import type { FeedbackService } from '../feedback/feedback-service.ts'
import type { FeedbackView } from '../feedback/feedback-view.ts'
import { parseInput } from '../shared/validation.ts'
import type { TopicView } from '../topics/topic-view.ts'
import type { TopicsService } from '../topics/topics-service.ts'
import { boundaryContains } from './area-of-point.ts'
import { open311NewRequest, open311Query, open311RequestsQuery } from './open311-schemas.ts'

/** The spec's default window for GET requests, and the widest a query may ask for. */
export const REQUESTS_WINDOW_DAYS = 90
/** The spec's cap on one GET requests answer (the most recent ones win). */
export const REQUESTS_MAX = 1000
const DAY = 86_400_000
const PAGE = '100'

/** Open while the agency is working on it; closed once it reached an outcome (and when that outcome was reported back). */
const openStatuses: FeedbackStatus[] = ['received', 'acknowledged', 'under_review']
const closedStatuses: FeedbackStatus[] = ['addressed', 'declined', 'referred', 'reported_back']

export type Open311Service = { service_code: string; service_name: string; description: string; metadata: boolean; type: 'realtime'; keywords: string; group: string }
export type Open311ServiceDefinition = { service_code: string; attributes: never[] }
export type Open311Request = {
  service_request_id: string
  status: 'open' | 'closed'
  status_notes: string | null
  service_name: string | null
  service_code: string
  description: string | null
  agency_responsible: string
  service_notice: string | null
  requested_datetime: string
  updated_datetime: string
  expected_datetime: string | null
  address: string | null
  address_id: string | null
  zipcode: string | null
  lat: number | null
  long: number | null
  media_url: string | null
}
/** `token`: the reporter's private tracking code (GET /v1/follow-up/{token}), shown once; absent on a replay. */
export type Open311Created = { service_request_id: string; service_notice: string; token?: string }
export type Open311Discovery = {
  changeset: string
  contact: string
  key_service: string
  endpoints: { specification: string; url: string; changeset: string; type: 'production'; formats: string[] }[]
}

/** What submitting through Open311 means here, told to every client that creates a request. */
const SUBMITTED_NOTICE = 'Received. It is listed in requests once staff publish it (contact details and street addresses are removed first).'

export function createOpen311Service({ agencies, topics, feedback, decisions }: { agencies: AgenciesService; topics: TopicsService; feedback: FeedbackService; decisions: DecisionsService }) {
  /** The facade shows what the public sees and reports as an anonymous member of the public, whoever calls. */
  const asPublic = (ctx: RequestContext): RequestContext => ({ ...ctx, actor: publicActor })

  /** The agency a jurisdiction_id names; without one, the server's only agency (several agencies: it is required). */
  async function jurisdiction(id: string | undefined): Promise<AgencyRow> {
    if (id !== undefined) {
      const agency = /^[a-z0-9-]{1,63}$/.test(id) ? await agencies.bySlug(id) : undefined
      if (!agency) throw new AppError('AGENCY_NOT_FOUND', `jurisdiction_id ${id} is not a jurisdiction this server hosts (see GET /v1/agencies)`)
      return agency
    }
    const all = await agencies.list()
    const only = all.length === 1 ? await agencies.bySlug(all[0]!.slug) : undefined
    if (only) return only
    throw validationFailed([{ field: 'jurisdiction_id', message: 'is required: this server hosts several agencies; give the slug of one (see GET /v1/agencies)' }])
  }

  /** The agency's current topics (retired ones take no new requests, so they are no service). */
  async function servicesOf(ctx: RequestContext, agency: AgencyRow): Promise<TopicView[]> {
    const vocabulary = await topics.list(asPublic(ctx), { agency: agency.slug })
    return vocabulary.data.filter((t) => t.retiredInVersion === null)
  }

  const asService = (t: TopicView, agency: AgencyRow): Open311Service => ({
    service_code: t.code,
    service_name: t.label,
    description: t.description ?? t.label,
    metadata: false,
    type: 'realtime',
    // Its name in every language, so a client can search in the community's language.
    keywords: [...new Set(Object.values(t.translations.label))].join(', '),
    group: t.standard ? 'Standard topics' : agency.name,
  })

  /** The area a request names: address_id is an area code or id; a point falls in the smallest area whose boundary holds it. */
  function areaOf(areas: AreaView[], input: { address_id?: string | undefined; lat?: number | undefined; long?: number | undefined }): string | null {
    if (input.address_id !== undefined) {
      const area = areas.find((a) => a.code === input.address_id || a.id === input.address_id)
      if (!area) throw validationFailed([{ field: 'address_id', message: 'is not an area of this jurisdiction (an area code or id, see GET /v1/agencies/{slug}/areas)' }])
      return area.id
    }
    if (input.lat === undefined || input.long === undefined) return null
    const holding = areas.filter((a) => boundaryContains(a.boundary, input.long!, input.lat!))
    // A beat inside a district: the area no other match names as its parent is the most specific.
    return (holding.find((a) => !holding.some((b) => b.parentId === a.id)) ?? holding[0])?.id ?? null
  }

  function location(item: FeedbackView, events: Map<string, EventView>, areas: Map<string, AreaView>) {
    const venue = item.eventId ? events.get(item.eventId)?.venue : undefined
    const area = item.areaId ? areas.get(item.areaId) : undefined
    const street = venue?.address ? [venue.address.street, venue.address.locality, venue.address.region].filter(Boolean).join(', ') : ''
    const address = [venue?.name, street].filter(Boolean).join(', ') || area?.name || null
    return {
      address,
      address_id: area?.code ?? null,
      zipcode: venue?.address?.postalCode ?? null,
      lat: venue?.geo?.latitude ?? null,
      long: venue?.geo?.longitude ?? null,
    }
  }

  /** Published items as service requests: decisions that answered them as status notes, event venue or area as location. */
  async function asRequests(ctx: RequestContext, agency: AgencyRow, items: FeedbackView[]): Promise<Open311Request[]> {
    const eventIds = items.flatMap((f) => (f.eventId ? [f.eventId] : []))
    const [answered, events, areaLists, vocabulary] = await Promise.all([
      decisions.ofFeedback(ctx, items.map((f) => f.id)),
      decisions.eventsByIds(ctx, eventIds),
      agencies.areasOf([agency.id]),
      topics.list(ctx, { agency: agency.slug }),
    ])
    const areas = new Map((areaLists.get(agency.id) ?? []).map((a) => [a.id, a]))
    const names = new Map(vocabulary.data.map((t) => [t.code, t.label]))
    return items.map((f) => {
      const notes = (answered.get(f.id) ?? []).map((d) => (d.summary ? `${d.title}: ${d.summary}` : d.title))
      return {
        service_request_id: f.id,
        status: closedStatuses.includes(f.status) ? 'closed' : 'open',
        status_notes: notes.length ? notes.join('\n') : null,
        service_name: names.get(f.topic) ?? null,
        service_code: f.topic,
        description: f.body,
        agency_responsible: agency.name,
        service_notice: null,
        requested_datetime: f.receivedAt,
        updated_datetime: f.updatedAt,
        expected_datetime: null,
        ...location(f, events, areas),
        media_url: null,
      }
    })
  }

  return {
    /** The discovery document (wiki.open311.org/Service_discovery) for this server's one endpoint. */
    discovery(ctx: RequestContext, rawQuery: unknown, { baseUrl, changeset }: { baseUrl: string; changeset: string }): Open311Discovery {
      parseInput(open311Query, rawQuery)
      return {
        changeset,
        contact: 'The agency named by jurisdiction_id (see GET /v1/agencies)',
        key_service: 'No key is needed: reads are public and reports are anonymous',
        endpoints: [{ specification: 'http://wiki.open311.org/GeoReport_v2', url: `${baseUrl}/open311/v2`, changeset, type: 'production', formats: ['text/xml', 'application/json'] }],
      }
    },

    async services(ctx: RequestContext, rawQuery: unknown): Promise<Open311Service[]> {
      const query = parseInput(open311Query, rawQuery)
      const agency = await jurisdiction(query.jurisdiction_id)
      return (await servicesOf(ctx, agency)).map((t) => asService(t, agency))
    },

    /** Services here take no extra attributes (metadata false): the definition is the code and an empty list. */
    async serviceDefinition(ctx: RequestContext, code: string, rawQuery: unknown): Promise<Open311ServiceDefinition> {
      const query = parseInput(open311Query, rawQuery)
      const agency = await jurisdiction(query.jurisdiction_id)
      const topic = (await servicesOf(ctx, agency)).find((t) => t.code === code)
      if (!topic) throw new AppError('TOPIC_NOT_FOUND', `service_code ${code} is not a service of ${agency.slug} (see services.json)`)
      return { service_code: topic.code, attributes: [] }
    },

    /**
     * Published requests received within start_date–end_date (default: the last 90 days; at most 90 days), newest first,
     * at most 1000. With service_request_id the other filters are ignored, as the spec says.
     */
    async requests(ctx: RequestContext, rawQuery: unknown): Promise<Open311Request[]> {
      const query = parseInput(open311RequestsQuery, rawQuery)
      const agency = await jurisdiction(query.jurisdiction_id)
      const publicCtx = asPublic(ctx)
      if (query.service_request_id) {
        const found = await feedback.byIds(publicCtx, query.service_request_id)
        const items = query.service_request_id.flatMap((id) => {
          const f = found.get(id)
          return f && f.agencyId === agency.id && f.visibility === 'published' && !f.deletedAt ? [f] : []
        })
        return asRequests(publicCtx, agency, items)
      }
      const now = ctx.clock.now().getTime()
      const end = query.end_date ?? (query.start_date ? new Date(Math.min(query.start_date.getTime() + REQUESTS_WINDOW_DAYS * DAY, now)) : new Date(now))
      const start = query.start_date ?? new Date(end.getTime() - REQUESTS_WINDOW_DAYS * DAY)
      if (start >= end) throw validationFailed([{ field: 'end_date', message: 'must be after start_date' }])
      if (end.getTime() - start.getTime() > REQUESTS_WINDOW_DAYS * DAY) throw validationFailed([{ field: 'end_date', message: `may be at most ${REQUESTS_WINDOW_DAYS} days after start_date` }])
      if (query.service_code) {
        const known = new Set((await servicesOf(ctx, agency)).map((t) => t.code))
        const unknown = query.service_code.filter((c) => !known.has(c))
        if (unknown.length) throw validationFailed([{ field: 'service_code', message: `${unknown.join(', ')} is not a service of ${agency.slug} (see services.json)` }])
      }
      // Areas by code or id, as address_id names them on a new request; the feedback filter takes in the areas within.
      let areaId: string[] | undefined
      if (query.address_id) {
        const areas = (await agencies.areasOf([agency.id])).get(agency.id) ?? []
        const problems = query.address_id.flatMap((ref, i) => (areas.some((a) => a.code === ref || a.id === ref) ? [] : [{ field: `address_id.${i}`, message: 'is not an area of this jurisdiction (an area code or id, see GET /v1/agencies/{slug}/areas)' }]))
        if (problems.length) throw validationFailed(problems)
        areaId = query.address_id.map((ref) => areas.find((a) => a.code === ref || a.id === ref)!.id)
      }
      const status = query.status ? [...(query.status.includes('open') ? openStatuses : []), ...(query.status.includes('closed') ? closedStatuses : [])] : undefined
      const filter = {
        agency: agency.slug,
        visibility: ['published'],
        receivedFrom: start.toISOString(),
        receivedTo: new Date(end.getTime() + 1).toISOString(),
        ...(query.service_code ? { topic: query.service_code } : {}),
        ...(status ? { status } : {}),
        ...(areaId ? { areaId } : {}),
      }
      // The list runs oldest first; keep the newest REQUESTS_MAX while reading it a page at a time.
      let kept: FeedbackView[] = []
      let cursor: string | null = null
      do {
        const page = await feedback.list(publicCtx, { ...filter, limit: PAGE, ...(cursor ? { cursor } : {}) })
        kept.push(...page.data)
        if (kept.length > REQUESTS_MAX) kept = kept.slice(-REQUESTS_MAX)
        cursor = page.nextCursor
      } while (cursor)
      return asRequests(publicCtx, agency, kept.reverse())
    },

    async request(ctx: RequestContext, id: string, rawQuery: unknown): Promise<Open311Request[]> {
      const query = parseInput(open311Query, rawQuery)
      const agency = await jurisdiction(query.jurisdiction_id)
      const publicCtx = asPublic(ctx)
      const found = (await feedback.byIds(publicCtx, [id])).get(id)
      if (!found || found.agencyId !== agency.id || found.visibility !== 'published' || found.deletedAt)
        throw new AppError('SERVICE_REQUEST_NOT_FOUND', `service_request_id ${id} is not a published request of ${agency.slug}`)
      return asRequests(publicCtx, agency, [found])
    },

    /**
     * Reports a concern as an anonymous member of the public: a feedback item the giver asks to publish (after moderation).
     * A location is required (lat and long, address_string or address_id). Email or phone mean "contact me back"
     * (consent given by sending them); a name alone is not kept. device_id and account_id are not stored.
     */
    async submit(ctx: RequestContext, rawInput: unknown): Promise<Open311Created[]> {
      const input = parseInput(open311NewRequest, rawInput ?? {})
      const problems: { field: string; message: string }[] = []
      if ((input.lat === undefined) !== (input.long === undefined)) problems.push({ field: input.lat === undefined ? 'lat' : 'long', message: 'is required with the other coordinate' })
      else if (input.lat === undefined && input.address_string === undefined && input.address_id === undefined)
        problems.push({ field: 'lat', message: 'a location is required: lat and long, address_string or address_id' })
      if (problems.length) throw validationFailed(problems)
      const agency = await jurisdiction(input.jurisdiction_id)
      if (!(await servicesOf(ctx, agency)).some((t) => t.code === input.service_code))
        throw validationFailed([{ field: 'service_code', message: `${input.service_code} is not a service of ${agency.slug} (see services.json)` }])
      const areaId = areaOf((await agencies.areasOf([agency.id])).get(agency.id) ?? [], input)
      // The caller's language when the agency supports it, else the agency's default.
      const language = ctx.languages.find((l) => agency.supportedLanguages.includes(l)) ?? ctx.languages.map((l) => l.split('-')[0]!).find((l) => agency.supportedLanguages.includes(l)) ?? agency.defaultLanguage
      const name = [input.first_name, input.last_name].filter(Boolean).join(' ')
      const { feedback: created, trackingCode } = await feedback.submit(asPublic(ctx), {
        agency: agency.slug,
        // A street address stays with the text: staff read it, and publication redacts it.
        body: input.address_string ? `${input.description}\n\nLocation: ${input.address_string}` : input.description,
        language,
        channel: 'online_form',
        topic: input.service_code,
        ...(areaId ? { areaId } : {}),
        publish: true,
        ...(input.email || input.phone
          ? { contact: { ...(name ? { displayName: name } : {}), ...(input.email ? { email: input.email } : {}), ...(input.phone ? { phone: input.phone } : {}), consentToContact: true } }
          : {}),
      })
      return [{ service_request_id: created.id, service_notice: SUBMITTED_NOTICE, ...(trackingCode ? { token: trackingCode } : {}) }]
    },
  }
}
export type Open311FacadeService = ReturnType<typeof createOpen311Service>
