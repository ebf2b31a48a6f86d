/** Post-event surveys on procedural justice: anyone answers anonymously after an event; staff read the answers. */
import { publicActor } from '../../auth/actor.ts'
import type { RequestContext } from '../../context.ts'
import type { Database } from '../../db/client.ts'
import { AppError, notFound } from '../../errors.ts'
import type { AgenciesService } from '../agencies/agencies-service.ts'
import type { EventsService } from '../events/events-service.ts'
import { decodeCursor, toPage, type Page } from '../shared/pagination.ts'
import { parseInput } from '../shared/validation.ts'
import type { Repositories } from '../repositories.ts'
import type { Writes } from '../writes.ts'
import type { SurveyResponseRow } from './surveys-repository.ts'
import { surveyListQuery, surveyResponseInput } from './surveys-schemas.ts'

const ORDER = 'survey-responses:created'

export type SurveyResponseView = ReturnType<typeof surveyResponseView>

export function surveyResponseView(r: SurveyResponseRow) {
  return { id: r.id, eventId: r.eventId, dignity: r.dignity, voice: r.voice, neutrality: r.neutrality, trust: r.trust, language: r.language, createdAt: r.createdAt.toISOString() }
}

export function createSurveysService({ repositories, writes, agencies, events }: { database: Database; repositories: Repositories; writes: Writes; agencies: AgenciesService; events: EventsService }) {
  return {
    /** Records an anonymous response to an event that has been held. Nothing about the sender is kept, even with a token. */
    async submit(ctx: RequestContext, eventId: string, rawInput: unknown): Promise<SurveyResponseView> {
      const event = await events.visibleRow(ctx, eventId)
      const input = parseInput(surveyResponseInput, rawInput)
      const held = event.status === 'completed' || (event.status === 'scheduled' && event.startsAt.getTime() <= ctx.clock.now().getTime())
      if (!held) throw new AppError('SURVEY_NOT_OPEN', 'The survey opens once the event has been held')
      // The response is anonymous: its audit row names no one, whoever sent it. The event read above is its only check.
      const anonymous: RequestContext = { ...ctx, actor: publicActor }
      const created = await writes.create(anonymous, {
        operation: 'surveys.submit',
        entityType: 'survey_response',
        idempotencyKey: undefined,
        body: rawInput,
        checks: {},
        plan: (_found, id) => ({
          row: repositories.surveys.planInsert({ id, agencyId: event.agencyId, eventId: event.id, ...input, createdAt: ctx.clock.now() }),
          audit: { agencyId: event.agencyId, action: 'survey.answered', details: { eventId: event.id } },
          outbox: { visibility: 'agency', payload: { id, eventId: event.id } },
        }),
      })
      return surveyResponseView(created.row!)
    },

    /** An event's responses, one by one: its agency's staff only. */
    async list(ctx: RequestContext, eventId: string, rawQuery: unknown): Promise<Page<SurveyResponseView>> {
      const agency = await agencies.managedBy(ctx, 'survey responses')
      const query = parseInput(surveyListQuery, rawQuery)
      const event = await events.get(ctx, eventId)
      if (event.agencyId !== agency.id) throw notFound('EVENT_NOT_FOUND', 'The event')
      const cursor = query.cursor ? decodeCursor(query.cursor, ORDER) : undefined
      const rows = await repositories.surveys.list(event.id, cursor, query.limit)
      return toPage(rows, query.limit, ORDER, (r) => r.createdAt, surveyResponseView)
    },
  }
}
export type SurveysService = ReturnType<typeof createSurveysService>
