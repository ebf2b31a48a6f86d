// Loads the demo agency (Riverton) through the services, in one transaction, so a fresh install has meetings to show.
import { randomUUID } from 'node:crypto'
import { count, sql } from 'drizzle-orm'
import pino from 'pino'
import { Temporal } from 'temporal-polyfill'
import { clockFrom } from '../clock.ts'
import type { Logger, RequestContext } from '../context.ts'
import type { Database, Db } from '../db/client.ts'
import { agencies } from '../db/schema/index.ts'
import { createAgenciesRepository } from '../modules/agencies/agencies-repository.ts'
import { createEventsRepository } from '../modules/events/events-repository.ts'
import { createServices } from '../modules/services.ts'
import { seedDemoPeople } from './demo-people.ts'
import { seedDemoLoop } from './demo-loop.ts'
import { seedDemoPriorities } from './demo-priorities.ts'
import { seedDemoLiaisons } from './demo-liaisons.ts'
import { seedDemoCommunityTrust } from './demo-community-trust.ts'
import { seedDemoInsights } from './demo-insights.ts'
import { boundaryOf, DEMO_SLUG, DEMO_TIME_ZONE, demoAgency, demoDistricts, demoEvents, demoOrganizations, demoSeries, type DemoPlan } from './demo-data.ts'

export type SeedSummary = { areas: number; organizations: number; series: number; meetings: number; events: number; pastMeetings: number }
export type SeedResult = { slug: string; created: boolean; summary?: SeedSummary }

/**
 * Loads the demo agency unless its slug is taken (then `created: false`); with `onlyIfEmpty`, does nothing
 * (returns undefined) when the database holds any agency. Meetings are placed around `now`, the date it is generated for.
 */
export async function seedDemo(
  database: Database,
  opts: { onlyIfEmpty?: boolean; now: Date; log?: Logger },
): Promise<SeedResult | undefined> {
  const { now } = opts
  const log = opts.log ?? pino({ level: 'silent' })
  const started = performance.now()

  // All or nothing: a failure halfway leaves no half-seeded agency that a rerun would take for a finished one.
  // The services' own transactions nest inside this one as savepoints.
  const result = await database.db.transaction(async (tx): Promise<SeedResult | undefined> => {
    // Seeders starting together take turns; the later one then finds the agency and adds nothing.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('community-engagement-api:seed-demo'))`)
    if (opts.onlyIfEmpty) {
      const [row] = await tx.select({ n: count() }).from(agencies)
      if (row!.n > 0) return undefined
    }
    const repo = createAgenciesRepository(tx)
    if (await repo.bySlug(DEMO_SLUG)) return { slug: DEMO_SLUG, created: false }

    const agency = await repo.insert(demoAgency)
    // Districts, each holding its beats (the seed writes reference data through the repository).
    const areaIds = new Map<string, string>()
    for (const d of demoDistricts) {
      const parent = await repo.insertArea({ agencyId: agency.id, code: d.code, name: d.name, kind: 'district', boundary: boundaryOf(d.box) })
      areaIds.set(d.code, parent.id)
      for (const b of d.beats) {
        const beat = await repo.insertArea({ agencyId: agency.id, code: b.code, name: b.name, kind: 'beat', parentId: parent.id, boundary: boundaryOf(b.box) })
        areaIds.set(b.code, beat.id)
      }
    }

    const services = createServices({ ...database, db: tx as unknown as Db })
    const ctx: RequestContext = {
      actor: { kind: 'admin', subject: 'demo-seed', agencySlug: DEMO_SLUG },
      requestId: `demo-seed-${randomUUID()}`,
      log,
      languages: [demoAgency.defaultLanguage],
      // The services see `now` as the time (moving on from it as the load runs), whatever the wall clock says.
      clock: clockFrom(now),
    }
    const organizationIds = new Map<string, string>()
    const plan: DemoPlan = {
      organizationId: (key) => {
        const id = organizationIds.get(key)
        if (!id) throw new Error(`demo data names an unknown organization ${key}`)
        return id
      },
      today: Temporal.Instant.fromEpochMilliseconds(now.getTime()).toZonedDateTimeISO(DEMO_TIME_ZONE).toPlainDate(),
      areaId: (code) => {
        const id = areaIds.get(code)
        if (!id) throw new Error(`demo data names an unknown area ${code}`)
        return id
      },
    }
    // Only meetings over by `now` can be completed (the service refuses one yet to start).
    const over = (endsAt: Date) => endsAt.getTime() <= now.getTime()

    for (const { key, input } of demoOrganizations(plan)) organizationIds.set(key, (await services.organizations.register(ctx, input)).organization.id)

    const { series } = await services.series.create(ctx, demoSeries(plan))
    const meetings = await createEventsRepository(tx).occurrencesOf(agency.id, series.id)
    for (const m of meetings) if (m.status === 'scheduled' && over(m.endsAt)) await services.events.complete(ctx, m.id, m.version)

    const events = demoEvents(plan)
    for (const { input, then } of events) {
      const { event } = await services.events.schedule(ctx, input)
      if (!then) continue
      if ('complete' in then) {
        if (over(new Date(event.endsAt))) await services.events.complete(ctx, event.id, event.version)
      } else if ('cancel' in then) await services.events.cancel(ctx, event.id, { reason: then.cancel }, event.version)
      else await services.events.postpone(ctx, event.id, { reason: then.postpone }, event.version)
    }

    await seedDemoPeople(services, ctx, { areaId: plan.areaId, now, db: tx })
    await seedDemoLoop(services, ctx, (await services.events.list(ctx, { agency: DEMO_SLUG, limit: 100 })).data, now)
    await seedDemoPriorities(services, ctx)
    await seedDemoLiaisons(services, ctx, { areaId: plan.areaId })
    const past = await seedDemoInsights(tx as unknown as Db, { agencyId: agency.id, areaId: plan.areaId, today: plan.today, now })
    // With the volume only (a rerun that found it adds nothing).
    if (past) await seedDemoCommunityTrust(tx as unknown as Db, { agencyId: agency.id, areaId: plan.areaId, today: plan.today, now })
    const areaCount = demoDistricts.reduce((n, d) => n + 1 + d.beats.length, 0)
    return { slug: DEMO_SLUG, created: true, summary: { areas: areaCount, organizations: organizationIds.size, series: 1, meetings: meetings.length, events: events.length, pastMeetings: past?.pastMeetings ?? 0 } }
  })

  if (result?.created) log.info({ agency: result.slug, ...result.summary, ms: Math.round(performance.now() - started) }, 'demo agency loaded')
  return result
}
