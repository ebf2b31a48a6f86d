/** Surveys after police contact: contact events in, rules applied, one-time invitations out through webhooks, anonymous answers back. */
import { randomBytes, randomUUID } from 'node:crypto'
import { canManage, publicActor, type Actor } from '../../auth/actor.ts'
import type { Clock } from '../../clock.ts'
import type { Logger, RequestContext } from '../../context.ts'
import type { Database } from '../../db/client.ts'
import { AppError, catalogue, problemType, validationFailed, type FieldError } from '../../errors.ts'
import type { AgencyRow } from '../agencies/agencies-repository.ts'
import type { AgenciesService } from '../agencies/agencies-service.ts'
import type { Repositories } from '../repositories.ts'
import { isUuid, parseInput } from '../shared/validation.ts'
import { newSurveyToken, surveyTokenHash } from '../surveys/survey-token.ts'
import type { TopicsService } from '../topics/topics-service.ts'
import type { Writes } from '../writes.ts'
import { transitionActor } from '../feedback/feedback-service.ts'
import { contactHasher, defaultContactRules, normalizeEmail, normalizePhone, sendAfterOf, statelessExclusion, weekOf, type ContactHasher, type ContactRules } from './contact-rules.ts'
import type { ContactRulesRow } from './contacts-repository.ts'
import { contactAnswerInput, contactBatchInput, contactEventInput, contactOptOutInput, contactRulesInput, contactTokenOptOutInput, type ContactEventInput } from './contacts-schemas.ts'

const DAY = 86_400_000
/** The topic a contact survey's comment is filed under until staff reclassify it. */
const COMMENT_TOPIC = 'everyday_interactions'

/** What happened to one item of a batch. An invitation's id is not told: the feed needs no handle on it. */
export type ContactResult =
  | { index: number; id: string; status: 'invited'; sendAfter: string }
  | { index: number; id: string; status: 'excluded'; reason: string }
  | { index: number; id: string; status: 'duplicate' }
  | { index: number; id: string | null; status: 'rejected'; problem: { type: string; title: string; status: 400; code: 'VALIDATION_FAILED'; detail: string; errors: FieldError[] } }

export type ContactBatchView = { batchId: string; received: number; invited: number; excluded: number; duplicates: number; rejected: number; results: ContactResult[] }

const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`
const minuteOf = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5))

export function contactRulesView(rules: ContactRules) {
  return {
    excludedFlags: rules.excludedFlags,
    delayMinutes: rules.delayMinutes,
    quietHours: { start: hhmm(rules.quietStartMinute), end: hhmm(rules.quietEndMinute) },
    oncePerDays: rules.oncePerDays,
    maxAgeHours: rules.maxAgeHours,
    windowDays: rules.windowDays,
    samplingRates: rules.samplingRates,
    defaultRate: rules.defaultRate,
    version: rules.version,
  }
}
export type ContactRulesView = ReturnType<typeof contactRulesView>

const rulesOfRow = (row: ContactRulesRow | undefined): ContactRules => (row ? { ...row, samplingRates: row.samplingRates } : defaultContactRules)

/** Who may post contact events: the agency's contact feed credential, its staff and admins. */
const mayPostContacts = (actor: Actor) => canManage(actor) || (actor.kind === 'partner' && actor.feed === true)

export function createContactsService({ database, repositories, writes, agencies, topics, baseUrl, clock, log }: {
  database: Database
  repositories: Repositories
  writes: Writes
  agencies: AgenciesService
  topics: TopicsService
  /** Where invitation links point (the survey page reads the token from the fragment, which no server log sees). */
  baseUrl: string
  clock: Clock
  log: Logger
}) {
  const { db } = database
  let hasher: Promise<ContactHasher> | undefined
  // One key per database (every instance shares it); generated on first use, never leaves the database.
  const hashes = () => (hasher ??= repositories.sharedSecrets.getOrCreate('contact-survey-hash-key', randomBytes(32).toString('base64url')).then(contactHasher))

  const linkOf = (token: string) => `${baseUrl}/contact-survey#token=${token}`

  async function feedAgency(ctx: RequestContext): Promise<AgencyRow> {
    if (ctx.actor.kind === 'public') throw new AppError('UNAUTHENTICATED', 'Sign in with the contact feed credential or as agency staff to post contact events')
    if (!mayPostContacts(ctx.actor)) throw new AppError('FORBIDDEN', 'Only the agency contact feed and its staff may post contact events')
    return agencies.ofActor(ctx)
  }

  async function rulesFor(agencyId: string): Promise<ContactRules> {
    return rulesOfRow(await repositories.contacts.rulesOf(agencyId))
  }

  return {
    /**
     * Receives a batch of contact events: each is checked on its own (a bad one is reported, the others go on), recorded
     * by a keyed hash of its id (a re-sent one changes nothing), and the eligible ones get an invitation, all in one transaction.
     */
    async receive(ctx: RequestContext, rawInput: unknown): Promise<ContactBatchView> {
      const agency = await feedAgency(ctx)
      const { contacts } = parseInput(contactBatchInput, rawInput)
      const now = ctx.clock.now()
      const h = await hashes()
      const results: ContactResult[] = []
      const reject = (index: number, id: string | null, errors: FieldError[]) =>
        results.push({ index, id, status: 'rejected', problem: { type: problemType('VALIDATION_FAILED'), title: catalogue.VALIDATION_FAILED.title, status: 400, code: 'VALIDATION_FAILED', detail: errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors } })
      type Valid = ContactEventInput & { index: number; address: string }
      const valid: Valid[] = []
      const seen = new Set<string>()
      contacts.forEach((raw, index) => {
        const rawId = typeof raw === 'object' && raw !== null && typeof (raw as { id?: unknown }).id === 'string' ? ((raw as { id: string }).id.trim().slice(0, 200) || null) : null
        let item: ContactEventInput
        try {
          item = parseInput(contactEventInput, raw, `contacts.${index}`)
        } catch (err) {
          if (err instanceof AppError) return void reject(index, rawId, err.extra.errors ?? [])
          throw err
        }
        const address = item.channel === 'sms' ? normalizePhone(item.address) : normalizeEmail(item.address)
        const problems: FieldError[] = []
        if (!address) problems.push({ field: `contacts.${index}.address`, message: item.channel === 'sms' ? 'is not a phone number in E.164 form, e.g. +15551234567' : 'is not an email address' })
        if (item.occurredAt.getTime() > now.getTime() + 5 * 60_000) problems.push({ field: `contacts.${index}.occurredAt`, message: 'is in the future' })
        if (seen.has(item.id)) problems.push({ field: `contacts.${index}.id`, message: 'appears more than once in this batch' })
        seen.add(item.id)
        if (problems.length) return void reject(index, item.id, problems)
        valid.push({ ...item, index, address: address! })
      })

      const codes = [...new Set(valid.map((v) => v.area).filter((a) => !isUuid(a)))]
      const ids = [...new Set(valid.map((v) => v.area).filter(isUuid))]
      const named = await repositories.contacts.areasNamed(agency.id, codes, ids)
      const areaOf = new Map<string, string>(named.flatMap((a) => [[a.code, a.id], [a.id, a.id]]))
      const known = valid.filter((v) => {
        if (areaOf.has(v.area)) return true
        reject(v.index, v.id, [{ field: `contacts.${v.index}.area`, message: 'is not an area (code or id) of this agency' }])
        return false
      })

      const batchId = randomUUID()
      const counts = await db.transaction(async (tx) => {
        const repos = repositories.on(tx)
        const rules = rulesOfRow(await repos.contacts.rulesOf(agency.id))
        const keyed = known.map((v) => ({ ...v, key: h.event(agency.id, v.id), person: h.person(agency.id, v.channel, v.address), draw: h.draw(agency.id, v.id) }))
        const fresh = await repos.contacts.claimEvents(agency.id, keyed.map((k) => k.key), now.toISOString().slice(0, 10))
        const optedOut = await repos.contacts.optedOut(agency.id, [...new Set(keyed.map((k) => k.person))])
        const candidates: (typeof keyed[number] & { sendAfter: Date })[] = []
        for (const k of keyed) {
          if (!fresh.has(k.key)) {
            results.push({ index: k.index, id: k.id, status: 'duplicate' })
            continue
          }
          const stateless = statelessExclusion(k, now, rules)
          const reason = stateless ? (stateless.flag ?? stateless.reason) : optedOut.has(k.person) ? 'opted_out' : undefined
          if (reason) results.push({ index: k.index, id: k.id, status: 'excluded', reason })
          else candidates.push({ ...k, sendAfter: sendAfterOf(k.occurredAt, now, rules, agency.timeZone) })
        }
        // One person twice in a batch: the earliest contact is the one asked about.
        candidates.sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || a.index - b.index)
        const first = new Map<string, (typeof candidates)[number]>()
        for (const c of candidates) if (!first.has(c.person)) first.set(c.person, c)
        const won = await repos.contacts.claimPersons(agency.id, [...first.values()].map((c) => ({ personHash: c.person, at: c.sendAfter })), rules.oncePerDays)
        const invitations = []
        const tokens = []
        for (const c of candidates) {
          if (first.get(c.person) !== c || !won.has(c.person)) {
            results.push({ index: c.index, id: c.id, status: 'excluded', reason: 'recently_invited' })
            continue
          }
          const token = newSurveyToken()
          const closesAt = new Date(c.sendAfter.getTime() + rules.windowDays * DAY)
          invitations.push({ id: randomUUID(), agencyId: agency.id, channel: c.channel, address: c.address, language: c.language, token: token.code, sendAfter: c.sendAfter, closesAt })
          tokens.push({ tokenHash: token.hash, agencyId: agency.id, areaId: areaOf.get(c.area)!, contactKind: c.kind, language: c.language, personHash: c.person, closesAt })
          results.push({ index: c.index, id: c.id, status: 'invited', sendAfter: c.sendAfter.toISOString() })
        }
        // Invitations and tokens are written in separate orders, so neither's order tells which token went with which address.
        tokens.sort((a, b) => (a.tokenHash < b.tokenHash ? -1 : 1))
        await repos.contacts.insertInvitations(invitations)
        await repos.contacts.insertTokens(tokens)
        await repos.outbox.append(ctx, invitations.map((i) => ({ agencyId: agency.id, entityType: 'contact_invitation', entityId: i.id, action: 'contact_invitation.issued', visibility: 'agency' as const, payload: { id: i.id } })))
        const tally = { received: contacts.length, invited: invitations.length, excluded: results.filter((r) => r.status === 'excluded').length, duplicates: results.filter((r) => r.status === 'duplicate').length, rejected: results.filter((r) => r.status === 'rejected').length }
        // Counts only: which contacts were invited stays with the feed that posted them.
        await repos.audit.record(ctx, { agencyId: agency.id, action: 'contact_events.received', entityType: 'contact_event_batch', entityId: batchId, details: tally })
        return tally
      })
      results.sort((a, b) => a.index - b.index)
      return { batchId, ...counts, results }
    },

    /** The agency's rules (the defaults until an admin changes them): its staff, admins and analysts read them. */
    async rules(ctx: RequestContext): Promise<ContactRulesView> {
      if (ctx.actor.kind === 'public') throw new AppError('UNAUTHENTICATED', 'Sign in as agency staff to read the contact survey rules')
      if (!canManage(ctx.actor) && ctx.actor.kind !== 'analyst') throw new AppError('FORBIDDEN', 'Only agency staff, admins and analysts may read the contact survey rules')
      const agency = await agencies.ofActor(ctx)
      return contactRulesView(await rulesFor(agency.id))
    },

    /** Changes the rules (what is left out keeps its value): admins only, audited with what changed. */
    async changeRules(ctx: RequestContext, rawInput: unknown): Promise<ContactRulesView> {
      if (ctx.actor.kind === 'public') throw new AppError('UNAUTHENTICATED', 'Sign in as an agency admin to change the contact survey rules')
      if (ctx.actor.kind !== 'admin') throw new AppError('FORBIDDEN', 'Only agency admins may change the contact survey rules')
      const agency = await agencies.ofActor(ctx)
      const input = parseInput(contactRulesInput, rawInput)
      const now = ctx.clock.now()
      const saved = await db.transaction(async (tx) => {
        const repos = repositories.on(tx)
        const current = rulesOfRow(await repos.contacts.rulesOf(agency.id))
        const { version: _v, ...base } = current
        const next = {
          ...base,
          ...(input.excludedFlags ? { excludedFlags: [...new Set(input.excludedFlags)] } : {}),
          ...(input.delayMinutes !== undefined ? { delayMinutes: input.delayMinutes } : {}),
          ...(input.quietHours ? { quietStartMinute: minuteOf(input.quietHours.start), quietEndMinute: minuteOf(input.quietHours.end) } : {}),
          ...(input.oncePerDays !== undefined ? { oncePerDays: input.oncePerDays } : {}),
          ...(input.maxAgeHours !== undefined ? { maxAgeHours: input.maxAgeHours } : {}),
          ...(input.windowDays !== undefined ? { windowDays: input.windowDays } : {}),
          ...(input.samplingRates ? { samplingRates: { ...current.samplingRates, ...input.samplingRates } } : {}),
          ...(input.defaultRate !== undefined ? { defaultRate: input.defaultRate } : {}),
        }
        const row = await repos.contacts.saveRules({ agencyId: agency.id, ...next, updatedAt: now })
        await repos.audit.record(ctx, { agencyId: agency.id, action: 'contact_survey_rules.changed', entityType: 'contact_survey_rules', entityId: agency.id, details: { before: contactRulesView(current), after: contactRulesView(rulesOfRow(row)) } })
        return row
      })
      return contactRulesView(rulesOfRow(saved))
    },

    /**
     * Adds a phone or email to an agency's opt-out list, forever (its keyed hash, never the value). The answer is the same
     * whether or not the person was ever contacted, so it tells nothing.
     */
    async optOut(ctx: RequestContext, rawInput: unknown): Promise<{ optedOut: true }> {
      const input = parseInput(contactOptOutInput, rawInput)
      const agency = await agencies.bySlug(input.agency)
      if (!agency) throw validationFailed([{ field: 'agency', message: 'is not an agency this server hosts' }])
      const channel = input.phone !== undefined ? 'sms' : 'email'
      const address = input.phone !== undefined ? normalizePhone(input.phone) : normalizeEmail(input.email!)
      if (!address) throw validationFailed([{ field: channel === 'sms' ? 'phone' : 'email', message: channel === 'sms' ? 'is not a phone number in E.164 form, e.g. +15551234567' : 'is not an email address' }])
      const person = (await hashes()).person(agency.id, channel, address)
      await db.transaction(async (tx) => {
        await repositories.on(tx).contacts.optOut(agency.id, person, ctx.clock.now().toISOString().slice(0, 10))
        await repositories.on(tx).contacts.dropTokensOf(agency.id, person)
      })
      return { optedOut: true }
    },

    /** Opts out the person an invitation's link was sent to (its token); their open links stop working. */
    async optOutByToken(ctx: RequestContext, rawInput: unknown): Promise<{ optedOut: true }> {
      const { token } = parseInput(contactTokenOptOutInput, rawInput)
      const hash = surveyTokenHash(token)
      const found = hash ? await repositories.contacts.personOfToken(hash, ctx.clock.now()) : undefined
      if (!found) throw new AppError('SURVEY_TOKEN_INVALID', 'The link is not a live survey invitation')
      await db.transaction(async (tx) => {
        await repositories.on(tx).contacts.optOut(found.agencyId, found.personHash, ctx.clock.now().toISOString().slice(0, 10))
        await repositories.on(tx).contacts.dropTokensOf(found.agencyId, found.personHash)
      })
      return { optedOut: true }
    },

    /**
     * Records an anonymous answer through an invitation's link: the scores with the contact's kind and beat, dated to its
     * week, and the comment as feedback of the beat (private, for moderation), dated to its day. The token is deleted as
     * the answer is written; nothing written names the token, the invitation or the contact.
     */
    async answer(ctx: RequestContext, rawInput: unknown): Promise<ContactAnswerView> {
      const { token, comment, language, ...scores } = parseInput(contactAnswerInput, rawInput)
      const hash = surveyTokenHash(token)
      const now = ctx.clock.now()
      // An answered link is deleted, so it is told apart from one never issued by nothing: used, closed and unknown are alike.
      const invalid = () => new AppError('SURVEY_TOKEN_INVALID', 'The link is not a live survey invitation (answered, closed or never issued)')
      if (!hash) throw invalid()
      const anonymous: RequestContext = { ...ctx, actor: publicActor }
      const week = weekOf(now)
      const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()))
      let answered: { areaId: string; contactKind: string } | undefined
      // The topic check needs the agency, which only the token knows: read the token first (the gate re-checks it).
      const found = await repositories.contacts.tokenOf(hash)
      if (!found) throw invalid()
      if (found.closesAt.getTime() <= now.getTime()) throw invalid()
      const agencyId = found.agencyId
      await writes.create(anonymous, {
        operation: 'contact_surveys.answer',
        entityType: 'survey_response',
        idempotencyKey: undefined,
        body: rawInput,
        checks: { token: repositories.contacts.tokenCheck(hash), topic: comment ? topics.classificationCheck(agencyId, COMMENT_TOPIC) : undefined },
        gate: { sql: repositories.contacts.consumeGate(hash, now), refused: invalid },
        plan: (checked, id) => {
          const t = checked.token[0]
          if (!t) throw invalid()
          answered = { areaId: t.areaId, contactKind: t.contactKind }
          const feedbackId = randomUUID()
          const classification = checked.topic ? topics.classified(checked.topic) : undefined
          return {
            row: repositories.surveys.planInsert({ id, agencyId, eventId: null, areaId: t.areaId, topicId: null, contactKind: t.contactKind, ...scores, language: language ?? null, createdAt: week }),
            alongside:
              comment && classification
                ? [
                    repositories.feedback.planInsert({
                      id: feedbackId,
                      agencyId,
                      body: comment,
                      bodyLanguage: language ?? t.language,
                      channel: 'survey',
                      eventId: null,
                      areaId: t.areaId,
                      topicId: classification.topic.id,
                      topicVocabularyVersion: classification.vocabularyVersion,
                      stance: null,
                      participantId: null,
                      organizationId: null,
                      visibility: 'private',
                      receivedAt: day,
                      createdAt: day,
                      updatedAt: day,
                    }),
                    repositories.feedback.planTransitions([{ agencyId, feedbackId, fromStatus: null, toStatus: 'received', at: day, note: null, ...transitionActor(anonymous) }]),
                  ]
                : [],
            // The kind and beat only: the same the answer carries.
            audit: { agencyId, action: 'contact_survey.answered', details: { contactKind: t.contactKind, comment: Boolean(comment) } },
            outbox: { visibility: 'agency', payload: { id } },
          }
        },
      })
      return { contactKind: answered!.contactKind, areaId: answered!.areaId, week: week.toISOString().slice(0, 10), ...scores, comment: comment !== undefined }
    },

    /**
     * Deletes invitations (address, link) and tokens whose window has closed, each person's hash once the once-per-period
     * rule no longer needs it, and each received event's key once its contact is too old to invite: what the sweep timer runs.
     */
    async sweep(): Promise<{ invitations: number; tokens: number; persons: number; events: number }> {
      return repositories.contacts.sweep(clock.now(), defaultContactRules)
    },

    /**
     * What a webhook delivery of an invitation carries beyond the thin body (the address, language, link and send-after),
     * read when it is sent and forgotten once every active subscription owed it has acknowledged it (or its window
     * closes, whichever is first). Other deliveries are sent as they are.
     */
    async attach({ type, payload, outboxId }: { type: string; payload: string; outboxId: number }): Promise<{ body: string; onDelivered?: () => Promise<void> }> {
      if (type !== 'contact_invitation.issued') return { body: payload }
      const message = JSON.parse(payload) as { data: { id: string } & Record<string, unknown> }
      const invitation = await repositories.contacts.invitation(message.data.id)
      if (!invitation || invitation.closesAt.getTime() <= clock.now().getTime()) return { body: JSON.stringify({ ...message, data: { ...message.data, invitation: null } }) }
      const { channel, address, language, token, sendAfter, closesAt } = invitation
      const data = { ...message.data, invitation: { channel, address, language, link: linkOf(token), sendAfter: sendAfter.toISOString(), closesAt: closesAt.toISOString() } }
      return {
        body: JSON.stringify({ ...message, data }),
        // Called after this delivery is recorded, so of two sent at once the later sees the other done too.
        onDelivered: async () => {
          if (await repositories.webhooks.stillOwed(outboxId)) return
          await repositories.contacts.forgetInvitation(invitation.id)
          log.debug({ invitation: invitation.id }, 'contact invitation delivered; its address and link are deleted')
        },
      }
    },
  }
}
export type ContactAnswerView = { contactKind: string; areaId: string; week: string; dignity?: number; voice?: number; neutrality?: number; trust?: number; comment: boolean }
export type ContactsService = ReturnType<typeof createContactsService>
