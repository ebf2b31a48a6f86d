// The demo's shared priorities, identified with the community: one staff linked to residents' safety concerns, endorsed by
// two partner organizations and 25 residents and adopted by a decision that was reported back; one a partner proposed;
// one a resident proposed, published after moderation and declined with a published reason; and the announcement of the
// adopted one, in three languages, with the reach partners reported. Loaded through the services.
import type { RequestContext } from '../context.ts'
import type { Services } from '../modules/services.ts'
import { DEMO_SLUG } from './demo-data.ts'

export async function seedDemoPriorities(services: Services, ctx: RequestContext): Promise<{ priorities: number }> {
  const organizations = (await services.organizations.list(ctx, { agency: DEMO_SLUG, limit: 100 })).data
  const publicCtx: RequestContext = { ...ctx, actor: { kind: 'public' } }
  const partnerCtx = (organizationId: string): RequestContext => ({ ...ctx, actor: { kind: 'partner', subject: `demo-partner-${organizationId}`, agencySlug: DEMO_SLUG, organizationId } })
  const decisions = (await services.decisions.list(ctx, { agency: DEMO_SLUG, limit: 100 })).data
  const schools = decisions.find((d) => d.title.startsWith('Traffic calming'))
  const reportBacks = schools ? ((await services.reportBacks.ofDecisions(ctx, [schools.id])).get(schools.id) ?? []) : []
  const concerns = (await services.feedback.list(ctx, { agency: DEMO_SLUG, topic: ['community_safety'], limit: 10 })).data

  // 1. Safer streets around schools: staff link the concerns, partners and residents endorse, a decision adopts it.
  let { priority: safer } = await services.priorities.propose(ctx, {
    statement: {
      en: 'Safer streets around schools at drop-off and pick-up',
      es: 'Calles más seguras alrededor de las escuelas a la entrada y la salida',
      so: 'Waddooyin badbaado leh oo ku wareegsan dugsiyada marka carruurta la keenayo iyo marka la qaadayo',
    },
    topics: ['community_safety'],
    feedbackIds: concerns.map((f) => f.id),
  })
  for (const org of organizations.slice(0, 2)) safer = await services.priorities.endorse(partnerCtx(org.id), safer.id, { note: { en: 'Our families walk these routes every day.' } })
  for (let i = 0; i < 25; i++) safer = await services.priorities.endorse(publicCtx, safer.id, {})
  if (schools) {
    safer = await services.priorities.update(ctx, safer.id, { decisionIds: [schools.id], reportBackIds: reportBacks.map((r) => r.id) }, safer.version)
    safer = await services.priorities.changeStatus(ctx, safer.id, { status: 'adopted' }, safer.version)
    await services.priorities.changeStatus(ctx, safer.id, { status: 'in_progress' }, safer.version)
    // Announced in English, Spanish and Somali through SMS and the partners; Vietnamese is still to be translated.
    const { announcement } = await services.announcements.create(ctx, {
      kind: 'report_back',
      title: { en: 'School-zone patrols have started', es: 'Comenzaron las patrullas escolares', so: 'Ilaalada aagga dugsiga way bilaabatay' },
      body: {
        en: 'You asked for safer streets around schools. Officers now patrol drop-off and pick-up at three schools.',
        es: 'Pidieron calles más seguras cerca de las escuelas. Hay patrullas a la entrada y la salida en tres escuelas.',
        so: 'Waxaad codsateen waddooyin badbaado leh. Askartu hadda waxay ilaaliyaan saddex dugsi.',
      },
      languages: ['en', 'es', 'so', 'vi'],
      channels: ['sms', 'web', 'word_of_mouth'],
      organizationIds: organizations.slice(0, 2).map((o) => o.id),
      decisionIds: [schools.id],
      reportBackIds: reportBacks.map((r) => r.id),
    })
    for (const org of organizations.slice(0, 2)) await services.announcements.reportReach(partnerCtx(org.id), announcement.id, { channel: 'word_of_mouth', count: 35 })
    await services.announcements.reportReach(ctx, announcement.id, { channel: 'sms', count: 1240 })
  }

  // 2. A partner's proposal, endorsed by its own organization and a few residents.
  const youth = organizations[2] ?? organizations[0]
  if (youth) {
    let { priority: spaces } = await services.priorities.propose(partnerCtx(youth.id), { statement: { en: 'Safe places for young people after school, every weekday', es: 'Lugares seguros para jóvenes después de la escuela' }, topics: ['wellness'] })
    spaces = await services.priorities.endorse(partnerCtx(youth.id), spaces.id, { note: { en: 'Open gym nights are full every week.' } })
    for (let i = 0; i < 8; i++) spaces = await services.priorities.endorse(publicCtx, spaces.id, {})
  }

  // 3. A resident's proposal: moderated, published, and declined with a reason everyone can read.
  const { priority: cameras } = await services.priorities.propose(publicCtx, { agency: DEMO_SLUG, statement: { en: 'Put speed cameras on every residential street' }, topics: ['community_safety'] })
  const shown = await services.priorities.update(ctx, cameras.id, { moderation: 'published' }, cameras.version)
  await services.priorities.changeStatus(ctx, cameras.id, { status: 'declined', reason: { en: 'Speed cameras are the city’s to place, not the department’s; we passed the request to City Transportation and asked for cameras near schools first.' } }, shown.version)
  return { priorities: 3 }
}
