// The demo's community-trust story (issue 20): census margins for every district, and a year of online survey answers
// in District 2 with voluntary demographics. Its respondents skew older and English-speaking against its census
// margins, and older residents rate the police higher, so the weighted trust sits visibly below the unweighted; and
// trust rises quarter after quarter once the body-worn camera policy is adopted. District 2 also surveys people after
// police contact: trust after a traffic stop sits below trust after a report taken, both rise after the policy, and the
// Spanish speakers who rate traffic stops lowest answer least, so weighting (by language) lowers the figures visibly.
// Deterministic; nobody is named.
import { randomUUID } from 'node:crypto'
import { eq } from 'drizzle-orm'
import type { Temporal } from 'temporal-polyfill'
import type { Db } from '../db/client.ts'
import { areas, feedbackTopics, surveyResponses, type AreaPopulation } from '../db/schema/index.ts'
import { localToInstant } from '../time.ts'
import { DEMO_TIME_ZONE } from './demo-data.ts'
import { BODY_CAMERA_DECIDED_MONTHS_AGO, insertAll, prng } from './demo-insights.ts'

const SOURCE = 'Riverton census tables (fictional), 5-year estimates: age by sex, Hispanic or Latino origin by race, language spoken at home'
/** Census margins per district (fictional, of the shape an agency loads from ACS tables B01001, B03002, C16001). */
export const districtPopulations: Record<string, AreaPopulation['margins']> = {
  D1: { ageBand: { age_18_24: 4100, age_25_34: 7200, age_35_44: 6900, age_45_54: 6100, age_55_64: 5600, age_65_plus: 6100 }, gender: { woman: 18300, man: 17700 }, language: { en: 30100, es: 4600, vi: 1300 } },
  D2: { ageBand: { age_18_24: 9000, age_25_34: 12000, age_35_44: 10000, age_45_54: 8000, age_55_64: 6000, age_65_plus: 5000 }, gender: { woman: 25500, man: 24500 }, language: { en: 27000, es: 21000, vi: 2000 } },
  D3: { ageBand: { age_18_24: 5200, age_25_34: 6800, age_35_44: 6500, age_45_54: 5900, age_55_64: 5100, age_65_plus: 4500 }, gender: { woman: 17200, man: 16800 }, language: { en: 18500, es: 3100, vi: 12400 } },
  D4: { ageBand: { age_18_24: 4800, age_25_34: 5600, age_35_44: 5900, age_45_54: 5200, age_55_64: 4300, age_65_plus: 3200 }, gender: { woman: 14700, man: 14300 }, language: { en: 15200, es: 13100, vi: 700 } },
}
/** District 2's online answers per month, split between its two beats. */
export const STORY_ANSWERS_PER_MONTH = 48
/** Mean trust among District 2's respondents in the month `k` months ago: flat before the policy, then rising. */
export const storyTrust = (k: number) => (k >= BODY_CAMERA_DECIDED_MONTHS_AGO ? 2.5 : 2.5 + (BODY_CAMERA_DECIDED_MONTHS_AGO - k) * 0.2)

/** District 2's answers after police contact per month and kind (a quarter of each clears the withheld tier of 30). */
export const CONTACT_ANSWERS_PER_MONTH = { traffic_stop: 16, report_taken: 14 } as const
/** Trust after each kind of contact, against the month's online trust: traffic stops lower, reports taken higher. */
export const contactTrustShift = { traffic_stop: -0.5, report_taken: 0.6 } as const

/** Who answered in District 2: older and more English-speaking than its census says. */
const respondentAges = { age_18_24: 8, age_25_34: 10, age_35_44: 12, age_45_54: 15, age_55_64: 18, age_65_plus: 32, prefer_not_to_say: 5 }

/** Loads the margins (every district) and District 2's answers, for the twelve months before this one. */
export async function seedDemoCommunityTrust(db: Db, { agencyId, areaId, today, now }: { agencyId: string; areaId: (code: string) => string; today: Temporal.PlainDate; now: Date }): Promise<number> {
  for (const [code, margins] of Object.entries(districtPopulations)) await db.update(areas).set({ population: { source: SOURCE, margins }, updatedAt: now }).where(eq(areas.id, areaId(code)))
  const [topic] = await db.select({ id: feedbackTopics.id }).from(feedbackTopics).where(eq(feedbackTopics.code, 'everyday_interactions'))
  const r = prng(20_261_020)
  const rows: (typeof surveyResponses.$inferInsert)[] = []
  for (let k = 12; k >= 1; k--) {
    const month = today.with({ day: 1 }).subtract({ months: k })
    for (let n = 0; n < STORY_ANSWERS_PER_MONTH; n++) {
      const ageBand = r.weighted(respondentAges)
      const language = r.next() < 0.78 ? 'en' : 'es'
      const older = ageBand === 'age_55_64' || ageBand === 'age_65_plus'
      const younger = ageBand === 'age_18_24' || ageBand === 'age_25_34' || ageBand === 'age_35_44'
      const mean = storyTrust(k) + (older ? 0.6 : younger ? -0.8 : 0) + (language === 'es' ? -0.4 : 0)
      const day = 1 + (n % Math.min(28, month.daysInMonth))
      rows.push({
        id: randomUUID(),
        agencyId,
        eventId: null,
        areaId: areaId(n % 2 === 0 ? 'D2-B21' : 'D2-B22'),
        topicId: topic?.id ?? null,
        dignity: r.score(mean + 0.4),
        voice: r.score(mean + 0.1),
        neutrality: r.score(mean),
        trust: r.score(mean),
        language,
        ageBand: ageBand as never,
        gender: (r.next() < 0.05 ? 'prefer_not_to_say' : r.next() < 0.56 ? 'woman' : 'man') as never,
        raceEthnicity: null,
        createdAt: localToInstant(`${month.with({ day }).toString()}T${String(9 + (n % 10)).padStart(2, '0')}:15`, DEMO_TIME_ZONE),
      })
    }
  }
  rows.push(...contactAnswers(agencyId, areaId, today))
  await insertAll(db, surveyResponses, rows)
  return rows.length
}

/**
 * District 2's answers after police contact, as the contact survey keeps them: the kind and beat, the language, dated
 * to the Monday of the week (no demographics: the invitation asks none, so weighting is by language alone).
 */
function contactAnswers(agencyId: string, areaId: (code: string) => string, today: Temporal.PlainDate): (typeof surveyResponses.$inferInsert)[] {
  const r = prng(20_261_205)
  const rows: (typeof surveyResponses.$inferInsert)[] = []
  for (let k = 12; k >= 1; k--) {
    const month = today.with({ day: 1 }).subtract({ months: k })
    for (const kind of ['traffic_stop', 'report_taken'] as const)
      for (let n = 0; n < CONTACT_ANSWERS_PER_MONTH[kind]; n++) {
        // Census: 42% speak Spanish at home; among those answering, one in eight.
        const language = r.next() < 0.875 ? 'en' : 'es'
        // Cameras at traffic stops: those stopped gain more, month by month, once the policy is in force.
        const cameras = kind === 'traffic_stop' ? Math.max(0, BODY_CAMERA_DECIDED_MONTHS_AGO - k) * 0.1 : 0
        const mean = storyTrust(k) + contactTrustShift[kind] + cameras + (language === 'es' ? (kind === 'traffic_stop' ? -1.6 : -0.8) : 0.2)
        // A day from the 8th on, so the Monday of its week (the date an answer keeps) is in the same month.
        const day = month.with({ day: 8 + (n % Math.min(21, month.daysInMonth - 7)) })
        const monday = day.subtract({ days: day.dayOfWeek - 1 })
        rows.push({
          id: randomUUID(),
          agencyId,
          eventId: null,
          areaId: areaId(n % 2 === 0 ? 'D2-B21' : 'D2-B22'),
          topicId: null,
          contactKind: kind,
          dignity: r.score(mean + 0.3),
          voice: r.score(mean - 0.1),
          neutrality: r.score(mean),
          trust: r.score(mean),
          language,
          createdAt: new Date(`${monday.toString()}T00:00:00Z`),
        })
      }
  }
  return rows
}
