/** Feedback: anyone may give it (anonymously if they wish), staff triage and moderate it, and every lifecycle step is kept. */
import { randomUUID } from 'node:crypto'
import { canManage } from '../../auth/actor.ts'
import type { RequestContext } from '../../context.ts'
import type { Database, Queryable } from '../../db/client.ts'
import { AppError, invalidTransition, notFound, validationFailed } from '../../errors.ts'
import type { AgencyRow } from '../agencies/agencies-repository.ts'
import type { AgenciesService } from '../agencies/agencies-service.ts'
import type { Repositories } from '../repositories.ts'
import type { Writes } from '../writes.ts'
import { decodeCursor, noRows, toPage, totalWhen, type CountedPage, type Page } from '../shared/pagination.ts'
import { isUuid, parseInput } from '../shared/validation.ts'
import { preconditionFailed, versionMatches, type VersionCondition } from '../shared/versions.ts'
import type { TopicsService } from '../topics/topics-service.ts'
import { canMove, transitionRefusal, type FeedbackStatus } from './feedback-lifecycle.ts'
import { milestones, type FeedbackItemRow, type FeedbackRow } from './feedback-repository.ts'
import { classifyFeedbackInput, feedbackListQuery, moderationInput, submitFeedbackInput, transitionInput } from './feedback-schemas.ts'
import { feedbackView, publicFeedbackViewer, transitionView, type FeedbackView, type FeedbackViewer, type TransitionView } from './feedback-view.ts'
import { redact } from './redact.ts'
import { newTrackingCode } from '../follow-up/tracking-code.ts'

const notFoundError = () => notFound('FEEDBACK_NOT_FOUND', 'The feedback item')

/** Who moved an item, as the transitions table keeps it: the role always, the subject only for agency staff. */
export function transitionActor(ctx: RequestContext) {
  const actor = ctx.actor
  return { actorKind: actor.kind, actorSubject: actor.kind === 'staff' || actor.kind === 'admin' ? actor.subject : null }
}

export function createFeedbackService({ database, repositories, writes, agencies, topics }: { database: Database; repositories: Repositories; writes: Writes; agencies: AgenciesService; topics: TopicsService }) {
  const { db } = database

  async function viewerOf(ctx: RequestContext): Promise<FeedbackViewer> {
    const actor = ctx.actor
    if (actor.kind === 'public') return publicFeedbackViewer
    const agency = await agencies.ofActor(ctx)
    const kind = canManage(actor) ? 'staff' : actor.kind === 'partner' ? 'partner' : 'analyst'
    return { kind, agencyId: agency.id, organizationId: actor.kind === 'partner' ? (actor.organizationId ?? null) : null }
  }

  const staffAgency = (ctx: RequestContext): Promise<AgencyRow> => agencies.managedBy(ctx, 'feedback')

  /** An item of the staff member's own agency, by id, or FEEDBACK_NOT_FOUND (another agency's item is not theirs to see). */
  async function ownItem(tx: Queryable, agency: AgencyRow, id: string): Promise<FeedbackRow> {
    if (!isUuid(id)) throw notFoundError()
    const row = await repositories.on(tx).feedback.byId(id, { kind: 'staff', agencyId: agency.id, organizationId: null })
    if (!row || row.agencyId !== agency.id) throw notFoundError()
    return row
  }

  const areaProblem = () => validationFailed([{ field: 'areaId', message: 'is not an area of this agency' }])

  async function checkArea(tx: Queryable, agencyId: string, areaId: string | null | undefined) {
    if (areaId && !(await repositories.on(tx).agencies.areaInAgency(areaId, agencyId))) throw areaProblem()
  }

  /** Runs one staff change on one item: load in the agency, check the version, apply, record, audit. */
  async function change(
    ctx: RequestContext,
    id: string,
    expectedVersion: VersionCondition,
    apply: (current: FeedbackRow, tx: Queryable, now: Date) => Promise<{ changes: Partial<FeedbackItemRow> | Record<string, unknown>; topicCode?: string; action: string; outboxAction?: string; details?: Record<string, unknown>; transition?: { from: FeedbackStatus; to: FeedbackStatus; note: string | null } }>,
  ): Promise<FeedbackView> {
    const agency = await staffAgency(ctx)
    return db.transaction(async (tx) => {
      const current = await ownItem(tx, agency, id)
      if (!versionMatches(expectedVersion, current.version)) throw preconditionFailed(current.version)
      const now = ctx.clock.now()
      const { changes, topicCode, action, details, transition, outboxAction } = await apply(current, tx, now)
      const { feedback: repo, audit, outbox } = repositories.on(tx)
      const updated = await repo.updateVersioned(agency.id, id, current.version, { ...(changes as Partial<FeedbackItemRow>), updatedAt: now })
      if (!updated) throw preconditionFailed()
      if (transition) await repo.insertTransitions([{ agencyId: agency.id, feedbackId: id, fromStatus: transition.from, toStatus: transition.to, note: transition.note, at: now, ...transitionActor(ctx) }])
      await audit.record(ctx, { agencyId: agency.id, action, entityType: 'feedback', entityId: id, details: { ...details, version: updated.version } })
      const visibility = updated.visibility === 'published' ? 'public' : 'agency'
      await outbox.append(ctx, { agencyId: agency.id, entityType: 'feedback', entityId: id, action: outboxAction ?? action, visibility, payload: { id, version: updated.version } })
      // Decisions and report-backs list only the feedback a caller may see: publishing or withholding changes theirs.
      if ((current.visibility === 'published') !== (updated.visibility === 'published')) await outbox.appendLinksChanged(ctx, { feedbackIds: [id] })
      return feedbackView({ ...updated, topicCode: topicCode ?? current.topicCode }, { kind: 'staff', agencyId: agency.id, organizationId: null })
    })
  }

  const service = {
    viewerOf,

    async list(ctx: RequestContext, rawQuery: unknown): Promise<CountedPage<FeedbackView>> {
      const query = parseInput(feedbackListQuery, rawQuery)
      const { limit, cursor: rawCursor, agency: slug, count, ...filter } = query
      const order = query.updatedSince ? 'feedback:updated' : 'feedback:received'
      const cursor = rawCursor ? decodeCursor(rawCursor, order) : undefined
      const agencyId = await agencies.idForFilter(slug)
      if (agencyId === null) return { data: [], nextCursor: null, ...(count ? noRows : {}) }
      const viewer = await viewerOf(ctx)
      const [rows, total] = await Promise.all([
        repositories.feedback.list({ ...filter, agencyId }, viewer, cursor, limit),
        totalWhen(count, () => repositories.feedback.count({ ...filter, agencyId }, viewer, repositories.totalCountCap)),
      ])
      return { ...toPage(rows, limit, order, (r) => (query.updatedSince ? r.updatedAt : r.receivedAt), (r) => feedbackView(r, viewer)), ...total }
    },

    async get(ctx: RequestContext, id: string): Promise<FeedbackView> {
      if (!isUuid(id)) throw notFoundError()
      const viewer = await viewerOf(ctx)
      const row = await repositories.feedback.byId(id, viewer)
      if (!row) throw notFoundError()
      return feedbackView(row, viewer)
    },

    /** Items by id for relations (GraphQL), as this caller may see them; unknown or hidden ids are left out. */
    async byIds(ctx: RequestContext, ids: Iterable<string>): Promise<Map<string, FeedbackView>> {
      const unique = [...new Set(ids)].filter(isUuid)
      if (unique.length === 0) return new Map()
      const viewer = await viewerOf(ctx)
      return new Map((await repositories.feedback.byIds(unique, viewer)).map((r) => [r.id, feedbackView(r, viewer)]))
    },

    /** The first `first` items of each event and each event's total, one statement for the whole batch. */
    async firstOfEvents(ctx: RequestContext, eventIds: string[], first: number) {
      const viewer = await viewerOf(ctx)
      const { rows, totals } = await repositories.feedback.firstOfEvents(eventIds, viewer, first)
      return { rows: rows.map((r) => ({ eventId: r.eventId!, rank: r.rank, view: feedbackView(r, viewer) })), totals }
    },

    /** A page of the items each decision answers and each decision's total, one statement for the whole batch. */
    async pageOfDecisions(ctx: RequestContext, decisionIds: string[], first: number, after?: string) {
      const viewer = await viewerOf(ctx)
      const cursor = after === undefined ? undefined : decodeCursor(after, 'feedback:received')
      const { rows, totals } = await repositories.feedback.pageOfDecisions(decisionIds, viewer, first, cursor)
      return { rows: rows.map((r) => ({ decisionId: r.decisionId, rank: r.rank, view: feedbackView(r, viewer) })), totals }
    },

    /**
     * Gives feedback. The public names the agency and may stay anonymous: nothing identifying the sender (address,
     * user agent, token subject) is stored. A partner's feedback is partner-collected and carries its organization.
     */
    /**
     * `trackingCode`: the giver's private follow-up code, shown once (only its hash is kept); null on a replay, whose
     * first answer carried it.
     */
    async submit(ctx: RequestContext, rawInput: unknown, idempotencyKey?: string): Promise<{ feedback: FeedbackView; replayed: boolean; trackingCode: string | null }> {
      const input = parseInput(submitFeedbackInput, rawInput)
      const actor = ctx.actor
      if (actor.kind === 'analyst') throw new AppError('FORBIDDEN', 'Analysts read feedback; they do not submit it')
      if (actor.kind === 'partner' && !actor.organizationId) throw new AppError('FORBIDDEN', 'This partner token names no organization')
      let agency: AgencyRow
      if (actor.kind === 'public') {
        if (!input.agency) throw validationFailed([{ field: 'agency', message: 'is required: the slug of the agency the feedback is for' }])
        const found = await agencies.bySlug(input.agency)
        if (!found) throw validationFailed([{ field: 'agency', message: 'is not an agency this server hosts' }])
        agency = found
      } else {
        agency = await agencies.ofActor(ctx)
        if (input.agency && input.agency !== agency.slug) throw validationFailed([{ field: 'agency', message: 'must be your own agency' }])
      }
      const problems: { field: string; message: string }[] = []
      let channel = input.channel
      let organizationId: string | null = null
      if (actor.kind === 'partner') {
        if (channel && channel !== 'partner_collected') problems.push({ field: 'channel', message: 'is partner_collected for feedback a partner submits' })
        if (input.organizationId && input.organizationId !== actor.organizationId) problems.push({ field: 'organizationId', message: 'is set from your token' })
        channel = 'partner_collected'
        organizationId = actor.organizationId!
      } else if (actor.kind === 'public') {
        if (channel === 'partner_collected') problems.push({ field: 'channel', message: 'partner_collected feedback is submitted by the partner organization' })
        if (input.organizationId) problems.push({ field: 'organizationId', message: 'is set only by partners and staff' })
        if (input.receivedAt) problems.push({ field: 'receivedAt', message: 'is set by the server for public submissions' })
        channel ??= 'online_form'
      } else {
        if (channel === 'partner_collected' && !input.organizationId) problems.push({ field: 'organizationId', message: 'names the organization that collected partner_collected feedback' })
        channel ??= 'in_person'
        organizationId = input.organizationId ?? null
      }
      if (input.receivedAt && input.receivedAt.getTime() > ctx.clock.now().getTime() + 5 * 60_000) problems.push({ field: 'receivedAt', message: 'is in the future' })
      // At a meeting, the survey is answered once per attendance with its token (surveys-service.ts), not with feedback.
      if (input.survey && input.eventId) problems.push({ field: 'survey', message: "is carried only by feedback given without an event; an event's survey is answered with its one-time token" })
      if (problems.length) throw validationFailed(problems)

      const viewer: FeedbackViewer = actor.kind === 'public' ? publicFeedbackViewer : await viewerOf(ctx)
      // Its checks in one read, then one write (see src/modules/writes.ts).
      let topicCode = input.topic
      const tracking = newTrackingCode()
      const created = await writes.create(ctx, {
        operation: 'feedback.submit',
        entityType: 'feedback',
        idempotencyKey,
        body: rawInput,
        checks: {
          organization: organizationId ? repositories.organizations.idsInAgencyCheck(agency.id, [organizationId]) : undefined,
          event: input.eventId ? repositories.events.placeCheck(input.eventId, agency.id, viewer.kind === 'staff' ? { draftsOfAgencyId: agency.id } : {}) : undefined,
          area: input.areaId ? repositories.agencies.areaInAgencyCheck(input.areaId, agency.id) : undefined,
          topic: topics.classificationCheck(agency.id, input.topic),
        },
        plan: (found, id) => {
          if (found.organization?.length === 0) throw validationFailed([{ field: 'organizationId', message: 'is not an organization of this agency' }])
          const event = found.event?.[0]
          if (found.event && !event) throw validationFailed([{ field: 'eventId', message: 'is not an event of this agency' }])
          if (found.area === false) throw areaProblem()
          // Feedback given at a meeting was not given before it started.
          if (event && input.receivedAt && input.receivedAt.getTime() < event.startsAt.getTime())
            throw validationFailed([{ field: 'receivedAt', message: `is before the event it was given at started (${event.startsAt.toISOString()})` }])
          // Feedback tied to an event is about the event's area unless it names its own: voice by area counts it.
          const areaId = input.areaId ?? event?.areaId ?? null
          const { topic, vocabularyVersion } = topics.classified(found.topic)
          topicCode = topic.code
          const now = ctx.clock.now()
          // Only what the giver chose to leave: a participant exists only when they asked to be contacted back.
          const participantId = input.contact ? randomUUID() : null
          const participant = input.contact
            ? repositories.feedback.planParticipant({
                id: participantId!,
                agencyId: agency.id,
                displayName: input.contact.displayName ?? null,
                contact: { ...(input.contact.email ? { email: input.contact.email } : {}), ...(input.contact.phone ? { phone: input.contact.phone } : {}) },
                preferredLanguage: input.contact.preferredLanguage ?? input.language,
                contactConsentAt: now,
                areaId: input.areaId ?? null,
                createdAt: now,
                updatedAt: now,
              })
            : undefined
          return {
            row: repositories.feedback.planInsert({
              id,
              agencyId: agency.id,
              body: input.body,
              bodyLanguage: input.language,
              channel,
              eventId: input.eventId ?? null,
              areaId,
              topicId: topic.id,
              topicVocabularyVersion: vocabularyVersion,
              stance: input.stance ?? null,
              participantId,
              organizationId,
              visibility: input.publish ? 'pending_moderation' : 'private',
              receivedAt: input.receivedAt ?? now,
              createdAt: now,
              updatedAt: now,
            }),
            alongside: [
              ...(participant ? [participant] : []),
              repositories.followUp.planCode({ feedbackId: id, agencyId: agency.id, codeHash: tracking.hash, createdAt: now }),
              repositories.feedback.planTransitions([{ agencyId: agency.id, feedbackId: id, fromStatus: null, toStatus: 'received', at: now, note: null, ...transitionActor(ctx) }]),
              // The survey it carries: its area and topic only, no reference to the item or its giver; the gate keeps it to one per submission.
              ...(input.survey ? [repositories.surveys.planInsert({ id: randomUUID(), agencyId: agency.id, eventId: null, areaId, topicId: topic.id, ...input.survey, language: input.language, createdAt: now })] : []),
            ],
            audit: {
              agencyId: agency.id,
              action: 'feedback.received',
              // What kind of feedback, never who sent it or how to reach them.
              details: { channel, contactRequested: participantId !== null, publicationRequested: Boolean(input.publish) },
            },
            // Published only after moderation, so the public learns nothing of it yet.
            outbox: { visibility: 'agency', payload: { id, version: 1 } },
          }
        },
      })
      let row: FeedbackRow
      const replayed = created.replayOf !== undefined
      if (created.replayOf !== undefined) {
        // The same sender sent the same body: answer what it created (any visibility, it is their own text).
        const prior = await repositories.feedback.byId(created.replayOf, { kind: 'staff', agencyId: agency.id, organizationId: null })
        if (!prior) throw notFoundError()
        row = prior
      } else row = { ...created.row, topicCode }
      // The sender sees their own text back; who they are stays with the agency's staff.
      return { feedback: feedbackView(row, viewer, viewer.kind === 'staff' && viewer.agencyId === row.agencyId ? 'full' : 'collector'), replayed, trackingCode: replayed ? null : tracking.code }
    },

    classify(ctx: RequestContext, id: string, rawInput: unknown, expectedVersion: VersionCondition): Promise<FeedbackView> {
      const input = parseInput(classifyFeedbackInput, rawInput)
      return change(ctx, id, expectedVersion, async (current, tx) => {
        const changes: Partial<FeedbackItemRow> = {}
        let topicCode: string | undefined
        if (input.topic !== undefined && input.topic !== current.topicCode) {
          const { topic, vocabularyVersion } = await topics.forClassification(tx, current.agencyId, input.topic)
          Object.assign(changes, { topicId: topic.id, topicVocabularyVersion: vocabularyVersion })
          topicCode = topic.code
        }
        if (input.stance !== undefined) changes.stance = input.stance
        if (input.areaId !== undefined) {
          await checkArea(tx, current.agencyId, input.areaId)
          changes.areaId = input.areaId
        }
        return { changes, topicCode, action: 'feedback.classified', details: { fields: Object.keys(input) } }
      })
    },

    /** Moves an item along its lifecycle; a move the lifecycle does not allow is INVALID_TRANSITION naming the allowed ones. */
    transition(ctx: RequestContext, id: string, rawInput: unknown, expectedVersion: VersionCondition): Promise<FeedbackView> {
      const input = parseInput(transitionInput, rawInput)
      const to = input.to as FeedbackStatus
      return change(ctx, id, expectedVersion, async (current, _tx, now) => {
        if (!canMove(current.status, to)) throw invalidTransition(transitionRefusal(current.status, to))
        const reason = input.reason ?? input.referredTo ?? null
        return {
          changes: { ...milestones(to, now), status: to, ...(reason !== null ? { statusReason: reason } : {}) },
          action: `feedback.${to}`,
          outboxAction: 'feedback.status_changed',
          details: { fromStatus: current.status, toStatus: to },
          transition: { from: current.status, to, note: [reason, input.note].filter(Boolean).join(' — ') || null },
        }
      })
    },

    /** Staff publish (the text redacted of contact details, or their edited text, redacted again) or withhold an item. */
    moderate(ctx: RequestContext, id: string, rawInput: unknown, expectedVersion: VersionCondition): Promise<FeedbackView> {
      const input = parseInput(moderationInput, rawInput)
      return change(ctx, id, expectedVersion, async (current) => {
        if (input.action === 'publish') {
          // Publication is the giver's choice: an item they kept private is never published.
          if (current.visibility === 'private') throw invalidTransition('The giver did not ask for this item to be published; only items pending moderation, published or withheld can be published')
          return { changes: { visibility: 'published', publishedBody: redact(input.publishedBody ?? current.body) }, action: 'feedback.published', details: { edited: input.publishedBody !== undefined } }
        }
        if (current.visibility !== 'pending_moderation' && current.visibility !== 'published')
          throw invalidTransition(`A ${current.visibility} item cannot be withheld; only items pending moderation or published can`)
        return { changes: { visibility: 'withheld', publishedBody: null }, action: 'feedback.withheld', outboxAction: 'feedback.withdrawn', details: input.note ? { note: input.note } : {} }
      })
    },

    /** Every lifecycle step of an item, oldest first (the agency's staff only). */
    async history(ctx: RequestContext, id: string): Promise<{ data: TransitionView[] }> {
      const agency = await agencies.managedBy(ctx, 'the history of feedback', 'read')
      await ownItem(db, agency, id)
      return { data: (await repositories.feedback.history(id)).map(transitionView) }
    },
  }
  return service
}
export type FeedbackService = ReturnType<typeof createFeedbackService>
