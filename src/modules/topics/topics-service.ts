/** The feedback-topic vocabulary: everyone reads it; an agency's admins add topics and retire them, each change a new version. */
import type { RequestContext } from '../../context.ts'
import type { Database, Queryable } from '../../db/client.ts'
import { principalOf } from '../../auth/actor.ts'
import { AppError, notFound, validationFailed } from '../../errors.ts'
import type { AgencyRow } from '../agencies/agencies-repository.ts'
import type { AgenciesService } from '../agencies/agencies-service.ts'
import { claimIdempotencyKey } from '../idempotency/idempotency.ts'
import { parseInput } from '../shared/validation.ts'
import { topicView, type TopicView } from './topic-view.ts'
import type { Repositories } from '../repositories.ts'
import { type TopicRow } from './topics-repository.ts'
import { addTopicInput, topicCode, topicListQuery } from './topics-schemas.ts'

export type Vocabulary = { agency: string | null; vocabularyVersion: number; data: TopicView[] }

/**
 * The problem with an event's topics, if any: each must be a code of the agency's vocabulary (`found`), and not retired
 * unless the event already had it (`kept`). The problem names the codes refused.
 */
export function eventTopicProblem(codes: string[], found: TopicRow[], kept: string[] = []): AppError | undefined {
  const byCode = new Map(found.map((t) => [t.code, t]))
  const unknown = codes.filter((c) => !byCode.has(c))
  const retired = codes.filter((c) => byCode.get(c)?.retiredInVersion != null && !kept.includes(c))
  if (!unknown.length && !retired.length) return undefined
  return validationFailed([
    ...(unknown.length ? [{ field: 'topics', message: `${unknown.join(', ')} ${unknown.length === 1 ? 'is not a topic' : 'are not topics'} of this agency's vocabulary (see GET /v1/topics)` }] : []),
    ...(retired.length ? [{ field: 'topics', message: `${retired.join(', ')} ${retired.length === 1 ? 'was' : 'were'} retired from the vocabulary; choose a current topic` }] : []),
  ])
}

/** A topic a classification may name, and the vocabulary version it is classified under. */
export type Classification = { topic: TopicRow; vocabularyVersion: number }

/** The rules a new classification follows: unknown codes and retired topics are refused. */
function classificationOf(topic: TopicRow | undefined, vocabularyVersion: number, field: string): Classification {
  if (!topic) throw validationFailed([{ field, message: `is not a topic of this agency's vocabulary (see GET /v1/topics)` }])
  if (topic.retiredInVersion !== null) throw validationFailed([{ field, message: `was retired in vocabulary version ${topic.retiredInVersion}; choose a current topic` }])
  return { topic, vocabularyVersion }
}

export function createTopicsService({ database, repositories, agencies }: { database: Database; repositories: Repositories; agencies: AgenciesService }) {
  const { db } = database

  /** Only an agency's admins change its vocabulary (DESIGN: admins manage vocabularies). */
  async function adminAgency(ctx: RequestContext): Promise<AgencyRow> {
    const agency = await agencies.managedBy(ctx, 'the topic vocabulary')
    if (ctx.actor.kind !== 'admin') throw new AppError('FORBIDDEN', 'Only agency admins may change the topic vocabulary')
    return agency
  }

  const view = (ctx: RequestContext, row: TopicRow, agency: AgencyRow | undefined) => topicView(row, ctx.languages, agency?.defaultLanguage ?? 'en')

  const service = {
    /** The standard topics plus those of `agency` (else the caller's own agency; the public without one sees the standard ones). */
    async list(ctx: RequestContext, rawQuery: unknown): Promise<Vocabulary> {
      const query = parseInput(topicListQuery, rawQuery)
      let agency: AgencyRow | undefined
      if (query.agency) {
        agency = await agencies.bySlug(query.agency)
        if (!agency) throw new AppError('AGENCY_NOT_FOUND', `Agency ${query.agency} was not found`)
      } else if (ctx.actor.kind !== 'public') agency = await agencies.ofActor(ctx)
      const repo = repositories.topics
      const [rows, version] = await Promise.all([repo.list(agency?.id ?? null), repo.vocabularyVersion(agency?.id ?? null)])
      return { agency: agency?.slug ?? null, vocabularyVersion: version, data: rows.map((r) => view(ctx, r, agency)) }
    },

    async add(ctx: RequestContext, rawInput: unknown, idempotencyKey?: string): Promise<{ topic: TopicView; replayed: boolean }> {
      const agency = await adminAgency(ctx)
      const input = parseInput(addTopicInput, rawInput)
      return db.transaction(async (tx) => {
        const repo = repositories.on(tx).topics
        const claim = idempotencyKey ? await claimIdempotencyKey(tx, { principal: principalOf(ctx.actor), operation: 'topics.add', key: idempotencyKey }, rawInput, ctx.clock.now()) : undefined
        if (claim?.replayOf) {
          const [prior] = await repo.byIds([claim.replayOf])
          if (!prior) throw notFound('TOPIC_NOT_FOUND', 'The topic added with this Idempotency-Key')
          return { topic: view(ctx, prior, agency), replayed: true }
        }
        await repo.lockVocabulary(agency.id)
        // A code names one topic in an agency's vocabulary, standard or its own, retired or not.
        if ((await repo.byCodes(agency.id, [input.code])).length) throw new AppError('CONFLICT', `The vocabulary already has a topic ${input.code}`)
        const version = (await repo.vocabularyVersion(agency.id)) + 1
        const created = await repo.insert({ agencyId: agency.id, code: input.code, label: input.label, description: input.description ?? {}, version, createdAt: ctx.clock.now() })
        await claim?.complete(created.id, 201)
        await repositories.on(tx).audit.record(ctx, { agencyId: agency.id, action: 'topic.added', entityType: 'feedback_topic', entityId: created.id, details: { code: input.code, vocabularyVersion: version } })
        return { topic: view(ctx, created, agency), replayed: false }
      })
    },

    /** Retires one of the agency's own topics: old feedback keeps it, new feedback may not use it. */
    async retire(ctx: RequestContext, code: string): Promise<TopicView> {
      const agency = await adminAgency(ctx)
      if (!topicCode.safeParse(code).success) throw notFound('TOPIC_NOT_FOUND', 'The topic')
      return db.transaction(async (tx) => {
        const repo = repositories.on(tx).topics
        await repo.lockVocabulary(agency.id)
        const [topic] = await repo.byCodes(agency.id, [code])
        if (!topic) throw notFound('TOPIC_NOT_FOUND', 'The topic')
        if (topic.agencyId === null) throw new AppError('FORBIDDEN', 'Standard topics are shared by every agency and cannot be retired by one')
        if (topic.retiredInVersion !== null) throw new AppError('INVALID_TRANSITION', `Topic ${code} was already retired in version ${topic.retiredInVersion}`)
        const version = (await repo.vocabularyVersion(agency.id)) + 1
        const retired = await repo.retire(agency.id, topic.id, version)
        if (!retired) throw new AppError('CONFLICT', 'The topic changed while this request ran; retry')
        await repositories.on(tx).audit.record(ctx, { agencyId: agency.id, action: 'topic.retired', entityType: 'feedback_topic', entityId: topic.id, details: { code, vocabularyVersion: version } })
        return view(ctx, retired, agency)
      })
    },

    /**
     * The topic a new classification names, with the agency's current vocabulary version. Unknown codes and
     * retired topics are refused (retired ones stay valid on feedback already classified under them).
     */
    async forClassification(tx: Queryable, agencyId: string, code: string, field = 'topic'): Promise<Classification> {
      const repo = repositories.on(tx).topics
      const [topic] = await repo.byCodes(agencyId, [code])
      if (!topic) return classificationOf(undefined, 0, field)
      return classificationOf(topic, await repo.vocabularyVersion(agencyId), field)
    },

    /** What forClassification reads, as one check for a unit of work's one read (src/modules/writes.ts)… */
    classificationCheck: (agencyId: string, code: string) => repositories.topics.classificationCheck(agencyId, code),

    /** …and its rules on what it found. */
    classified: (found: { topics: TopicRow[]; vocabularyVersion: number }, field = 'topic'): Classification => classificationOf(found.topics[0], found.vocabularyVersion, field),
  }
  return service
}
export type TopicsService = ReturnType<typeof createTopicsService>
