/** Post-event surveys on procedural justice: each attendance answers once, anonymously, within the agency's window; staff read the answers. */
import { publicActor } from '../../auth/actor.ts'
import type { RequestContext } from '../../context.ts'
import type { Database } from '../../db/client.ts'
import { AppError, notFound } from '../../errors.ts'
import type { AgenciesService } from '../agencies/agencies-service.ts'
import type { EventsService } from '../events/events-service.ts'
import { decodeCursor, toPage, type Page } from '../shared/pagination.ts'
import { isUuid, parseInput } from '../shared/validation.ts'
import type { Repositories } from '../repositories.ts'
import type { Writes } from '../writes.ts'
import type { SurveyResponseRow } from './surveys-repository.ts'
import { surveyClosesAt, surveyTokenHash } from './survey-token.ts'
import { surveyListQuery, surveyResponseInput } from './surveys-schemas.ts'

/** Attendances whose token answers: registered (and so let in) or checked in. */
const answering = new Set(['registered', 'attended'])

const ORDER = 'survey-responses:created'
const eventNotFound = () => notFound('EVENT_NOT_FOUND', 'The event')

export type SurveyResponseView = ReturnType<typeof surveyResponseView>

export function surveyResponseView(r: Omit<SurveyResponseRow, 'ageBand' | 'gender' | 'raceEthnicity'>) {
  return { id: r.id, eventId: r.eventId, dignity: r.dignity, voice: r.voice, neutrality: r.neutrality, trust: r.trust, language: r.language, createdAt: r.createdAt.toISOString() }
}

export function createSurveysService({ repositories, writes, agencies, events }: { database: Database; repositories: Repositories; writes: Writes; agencies: AgenciesService; events: EventsService }) {
  return {
    /**
     * Records an anonymous response to an event that has been held, once per attendance: the one-time token handed out
     * for it is consumed in the same statement as the response is written. Nothing ties the two together afterwards.
     */
    async submit(ctx: RequestContext, eventId: string, rawInput: unknown): Promise<SurveyResponseView> {
      if (!isUuid(eventId)) throw eventNotFound()
      const { token, ...input } = parseInput(surveyResponseInput, rawInput)
      if (token === undefined) throw new AppError('SURVEY_TOKEN_REQUIRED', 'Send the one-time survey token handed out at registration, check-in or in the follow-up as `token`')
      const hash = surveyTokenHash(token)
      const invalid = () => new AppError('SURVEY_TOKEN_INVALID', 'The survey token is not one handed out for this event')
      const used = () => new AppError('SURVEY_TOKEN_USED', 'This attendance has already answered the survey')
      const now = ctx.clock.now()
      // The response is anonymous: its audit row names no one, whoever sent it. The token is its only check.
      const anonymous: RequestContext = { ...ctx, actor: publicActor }
      const created = await writes.create(anonymous, {
        operation: 'surveys.submit',
        entityType: 'survey_response',
        idempotencyKey: undefined,
        body: rawInput,
        // The event (as the caller may see it), its window and the token, in one read.
        checks: { event: repositories.events.surveyWindowCheck(eventId, await events.visibilityFor(ctx)), token: hash ? repositories.surveys.tokenCheck(hash) : undefined },
        gate: { sql: repositories.surveys.consumeGate(hash ?? '', eventId), refused: used },
        plan: (found, id) => {
          const event = found.event[0]
          if (!event) throw eventNotFound()
          const held = event.status === 'completed' || (event.status === 'scheduled' && event.startsAt.getTime() <= now.getTime())
          if (!held) throw new AppError('SURVEY_NOT_OPEN', 'The survey opens once the event has been held')
          const closesAt = surveyClosesAt(event.endsAt, event.surveyWindowDays)
          if (now.getTime() >= closesAt.getTime()) throw new AppError('SURVEY_CLOSED', `The survey of this event closed at ${closesAt.toISOString()}`)
          const invitation = found.token?.[0]
          // A token of another event, or of a registration cancelled or never given a place, counts as none.
          if (!invitation || invitation.eventId !== eventId || !answering.has(invitation.status)) throw invalid()
          if (invitation.used) throw used()
          return {
            row: repositories.surveys.planInsert({ id, agencyId: event.agencyId, eventId, ...input, createdAt: now }),
            audit: { agencyId: event.agencyId, action: 'survey.answered', details: { eventId } },
            outbox: { visibility: 'agency', payload: { id, eventId } },
          }
        },
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
