// Demo participants (fictional; contact only with consent), demographics, registrations, check-ins, head counts and surveys.
import type { RequestContext } from '../context.ts'
import type { Queryable } from '../db/client.ts'
import type { Services } from '../modules/services.ts'
import { createSurveysRepository } from '../modules/surveys/surveys-repository.ts'

type DemoPerson = { displayName: string; preferredLanguage: string; area: string; email?: string; phone?: string; affiliation?: string; demographics?: Record<string, unknown> }

const people: DemoPerson[] = [
  { displayName: 'Rosa Delgado', preferredLanguage: 'es', area: 'D1', email: 'rosa.delgado@example.org', demographics: { ageBand: 'age_45_54', gender: 'woman', raceEthnicity: ['hispanic_or_latino'] } },
  { displayName: 'Thanh Pham', preferredLanguage: 'vi', area: 'D2', phone: '+1 555 0142', affiliation: 'Vietnamese Community Association', demographics: { ageBand: 'age_65_plus', gender: 'prefer_not_to_say' } },
  { displayName: 'Marcus Hill', preferredLanguage: 'en', area: 'D1', affiliation: 'Northside Youth League', demographics: { ageBand: 'age_18_24', occupation: 'student' } },
  { displayName: 'Amina Yusuf', preferredLanguage: 'so', area: 'D3', email: 'amina.y@example.org', demographics: { faith: 'muslim', incomeBand: 'prefer_not_to_say' } },
  { displayName: 'Ed Kowalski', preferredLanguage: 'en', area: 'D2' },
  { displayName: 'Grace Lin', preferredLanguage: 'en', area: 'D3', email: 'grace.lin@example.org' },
]

/** Adds the people side to the demo agency's events; `areaId` resolves an area code, `now` places past and upcoming. */
export async function seedDemoPeople(services: Services, ctx: RequestContext, { areaId, now, db }: { areaId: (code: string) => string; now: Date; db: Queryable }): Promise<void> {
  const ids: string[] = []
  for (const p of people) {
    const contact = p.email || p.phone ? { ...(p.email ? { email: p.email } : {}), ...(p.phone ? { phone: p.phone } : {}) } : undefined
    const { participant } = await services.participants.register(ctx, {
      displayName: p.displayName,
      preferredLanguage: p.preferredLanguage,
      areaId: areaId(p.area),
      ...(p.affiliation ? { affiliation: p.affiliation } : {}),
      ...(contact ? { contact } : {}),
      consents: { contact: contact !== undefined, dataUse: true },
    })
    if (p.demographics) await services.participants.recordDemographics(ctx, participant.id, p.demographics)
    ids.push(participant.id)
  }
  const { data: events } = await services.events.list(ctx, { agency: ctx.actor.kind === 'public' ? undefined : ctx.actor.agencySlug, limit: 100 })
  const upcoming = events.filter((e) => e.status === 'scheduled' && e.registrationRequired && new Date(e.startsAt) > now)
  const held = events.filter((e) => e.status === 'completed')
  for (const [i, event] of upcoming.entries()) {
    for (const id of ids.slice(i % 2, (i % 2) + 4)) await services.attendance.register(ctx, event.id, { participantId: id, role: 'attendee' })
    // Someone from the public registers through the form, with no contact given.
    await services.attendance.register({ ...ctx, actor: { kind: 'public' } }, event.id, { displayName: 'Jordan (walk-up form)', consents: { dataUse: false } })
  }
  for (const [i, event] of held.entries()) {
    await services.attendance.checkIn(ctx, event.id, { participantId: ids[i % ids.length]!, role: 'attendee' })
    await services.attendance.checkIn(ctx, event.id, { participantId: ids[(i + 1) % ids.length]!, role: i % 2 ? 'speaker' : 'facilitator' })
    await services.attendance.recordHeadCount(ctx, event.id, { count: 24 + ((i * 7) % 30), countedAt: event.startsAt })
    // Answers as if given with the tokens handed out then (most of these windows have closed): written as the survey writes them.
    for (let r = 0; r < 3; r++)
      await createSurveysRepository(db).insert({ agencyId: event.agencyId, eventId: event.id, dignity: 3 + ((i + r) % 3), voice: 2 + ((i + 2 * r) % 4), neutrality: 3 + (r % 2), trust: 2 + ((i + r) % 4), language: 'en', createdAt: new Date(event.endsAt) })
  }
}
