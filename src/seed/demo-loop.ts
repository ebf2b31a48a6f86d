// The demo's "you said, we did" loop: feedback across topics, stances, channels and areas at past meetings (some
// published with contact details redacted, some anonymous, some partner-collected), decisions answering it with
// progress updates, and report-backs at later meetings. Loaded through the services, inside the demo's transaction.
import type { RequestContext } from '../context.ts'
import type { Services } from '../modules/services.ts'
import type { EventView } from '../modules/events/event-view.ts'
import { DEMO_SLUG, demoDistricts } from './demo-data.ts'

type Said = { body: string; lang?: string; topic: string; stance: 'supportive' | 'neutral' | 'critical'; publish?: boolean; contact?: boolean }

/** What residents said; {area} and {street} vary per item. Bodies with contact details show redaction once published. */
const sayings: Said[] = [
  { body: 'Cars race down {street} every night after 10pm. Someone will get hurt near the school.', topic: 'community_safety', stance: 'critical', publish: true },
  { body: 'Thank you for the foot patrols on {street}; the corner feels safer this month.', topic: 'everyday_interactions', stance: 'supportive', publish: true },
  { body: 'Please publish how the licence-plate readers are used and how long the data is kept. Email me at rosa.m@example.net.', topic: 'agency_technology', stance: 'critical', publish: true, contact: true },
  { body: 'Los semáforos en {street} no funcionan desde hace dos semanas. Llámeme al 312-555-0188.', lang: 'es', topic: 'community_safety', stance: 'critical', publish: true, contact: true },
  { body: 'Body-worn camera footage should be released faster after serious incidents.', topic: 'agency_technology', stance: 'critical', publish: true },
  { body: 'The coffee with an officer mornings are great; more of them in {area}, please.', topic: 'everyday_interactions', stance: 'supportive', publish: true },
  { body: 'I was stopped twice in a week on my way to work and nobody explained why.', topic: 'everyday_interactions', stance: 'critical' },
  { body: 'Youth need somewhere to go after school; the open gym nights help.', topic: 'wellness', stance: 'supportive', publish: true },
  { body: 'Officers seem exhausted; is there support for their mental health?', topic: 'wellness', stance: 'neutral', publish: true },
  { body: 'The new use-of-force policy should be written in plain language and translated.', topic: 'policy', stance: 'neutral', publish: true },
  { body: 'Có người bán ma túy gần công viên {street}. Tôi sợ cho con tôi.', lang: 'vi', topic: 'community_safety', stance: 'critical', publish: true },
  { body: 'After the shooting on {street} nobody from the department came to talk to the block.', topic: 'high_profile_incident', stance: 'critical', publish: true },
  { body: 'Drones over the park on weekends feel like surveillance. Who approved that?', topic: 'agency_technology', stance: 'critical' },
  { body: 'Streetlights are out along 1450 Hillcrest Ave; it is dark walking home from the bus.', topic: 'community_safety', stance: 'critical', publish: true },
  { body: 'The community advisory board should include renters, not only homeowners.', topic: 'policy', stance: 'neutral', publish: true },
  { body: 'Response times in {area} were much better this winter. Thank you.', topic: 'community_safety', stance: 'supportive', publish: true },
  { body: 'Package thefts keep happening on {street}; reports go nowhere.', topic: 'community_safety', stance: 'critical' },
  { body: 'Could meetings be held in the evening so working parents can come?', topic: 'other', stance: 'neutral', publish: true },
  { body: 'Interpretation into ASL at the town hall made it possible for me to take part.', topic: 'other', stance: 'supportive', publish: true },
  { body: 'Officers should get crisis-intervention training before responding to mental-health calls.', topic: 'wellness', stance: 'critical', publish: true },
]

const streets = ['Elm Street', 'River Road', 'Oak Avenue', 'Maple Drive', 'Lincoln Boulevard', 'Water Street']
const channels = ['in_person', 'online_form', 'email', 'phone', 'social_media', 'survey'] as const

/** What the agency decided, which sayings (by index) each answers, its progress and how far it got. */
const answers: { title: Record<string, string>; summary: string; rationale: string; decidedBy: string; topic: string; sayings: number[]; progress: { status: 'adopted' | 'in_progress' | 'implemented' | 'deferred'; note: string }[]; reported: boolean }[] = [
  { title: { en: 'Traffic calming around schools', es: 'Reducción del tráfico cerca de las escuelas' }, summary: 'Speed cameras requested from the city; directed patrols at drop-off and pick-up.', rationale: 'Speeding near schools was the most frequent safety concern this season.', decidedBy: 'Traffic Division Commander', topic: 'community_safety', sayings: [0, 3, 16], progress: [{ status: 'adopted', note: 'Adopted at the advisory board.' }, { status: 'in_progress', note: 'Directed patrols started at three schools.' }], reported: true },
  { title: { en: 'Publish the licence-plate reader policy and retention' }, summary: 'The LPR policy, audit results and a 30-day retention limit will be published online.', rationale: 'Residents asked how the technology is used; transparency builds trust.', decidedBy: 'Chief of Police', topic: 'agency_technology', sayings: [2, 12], progress: [{ status: 'adopted', note: 'Policy approved.' }, { status: 'implemented', note: 'Policy and first audit published.' }], reported: true },
  { title: { en: 'Body-worn camera footage released within 30 days' }, summary: 'Footage of critical incidents is released within 30 days, with redactions for privacy.', rationale: 'Delay fed mistrust after recent incidents.', decidedBy: 'Chief of Police', topic: 'agency_technology', sayings: [4, 11], progress: [{ status: 'adopted', note: 'Adopted.' }], reported: true },
  { title: { en: 'More coffee-with-an-officer mornings' }, summary: 'Monthly in each district, rotating venues.', rationale: 'Well attended and well liked.', decidedBy: 'Community Engagement Unit', topic: 'everyday_interactions', sayings: [1, 5, 15], progress: [{ status: 'adopted', note: 'Adopted by the engagement unit.' }, { status: 'implemented', note: 'Schedule published for the year.' }], reported: true },
  { title: { en: 'Crisis-intervention training for every patrol officer' }, summary: 'A 40-hour CIT course for all patrol officers within 18 months; peer support for officers.', rationale: 'Mental-health calls need trained responders; officers need support too.', decidedBy: 'Training Academy', topic: 'wellness', sayings: [8, 19], progress: [{ status: 'in_progress', note: 'First two cohorts trained.' }], reported: false },
  { title: { en: 'Plain-language, translated policies' }, summary: 'Key policies get plain-language summaries in English, Spanish and Vietnamese.', rationale: 'People cannot hold us to policies they cannot read.', decidedBy: 'Policy and Planning', topic: 'policy', sayings: [9, 14], progress: [{ status: 'deferred', note: 'Waiting for the translation budget.' }], reported: true },
  { title: { en: 'Stop data and explanations' }, summary: 'Officers give a card explaining the reason for a stop; stop data published quarterly.', rationale: 'People stopped deserve to know why.', decidedBy: 'Chief of Police', topic: 'everyday_interactions', sayings: [6], progress: [{ status: 'adopted', note: 'Cards printed.' }], reported: false },
  { title: { en: 'Evening meetings and youth programs' }, summary: 'Half the listening sessions move to evenings; open gym nights continue.', rationale: 'Working parents and young people asked for times they can make.', decidedBy: 'Community Engagement Unit', topic: 'other', sayings: [7, 17, 18], progress: [{ status: 'adopted', note: 'Adopted.' }, { status: 'implemented', note: 'Evening sessions on the calendar.' }], reported: true },
]

/** `events`: the agency's meetings, oldest first; `over(e)` says whether a meeting has happened. */
export async function seedDemoLoop(services: Services, ctx: RequestContext, events: EventView[], now: Date): Promise<{ feedback: number; decisions: number; reportBacks: number }> {
  const held = events.filter((e) => e.status === 'completed' || (e.status === 'scheduled' && new Date(e.endsAt).getTime() < now.getTime()))
  const organizations = (await services.organizations.list(ctx, { agency: DEMO_SLUG, limit: 100 })).data
  const partner = organizations[0]
  const beats = demoDistricts.flatMap((d) => d.beats)
  const areaIds = new Map((await services.agencies.listAreas(DEMO_SLUG)).map((a) => [a.code, a.id]))
  const publicCtx: RequestContext = { ...ctx, actor: { kind: 'public' } }
  const partnerCtx: RequestContext | undefined = partner && ctx.actor.kind !== 'public' ? { ...ctx, actor: { kind: 'partner', subject: 'demo-partner', agencySlug: DEMO_SLUG, organizationId: partner.id } } : undefined
  const day = 86_400_000

  // Three rounds of the sayings: about sixty items, spread over meetings, areas, channels and givers.
  const items: { id: string; saying: number; version: number; visibility: string }[] = []
  for (let round = 0; round < 3; round++) {
    for (const [i, s] of sayings.entries()) {
      const n = round * sayings.length + i
      const beat = beats[n % beats.length]!
      const event = held.length ? held[n % held.length] : undefined
      const receivedAt = new Date(Math.min(event ? new Date(event.startsAt).getTime() + 30 * 60_000 : now.getTime() - (90 - n) * day, now.getTime() - day))
      const body = s.body.replace('{street}', streets[n % streets.length]!).replace('{area}', beat.name)
      const input = { agency: DEMO_SLUG, body, language: s.lang ?? 'en', topic: s.topic, stance: s.stance, areaId: areaIds.get(beat.code), ...(s.publish ? { publish: true } : {}) }
      let created
      if (round === 1 && partnerCtx && n % 2 === 0) {
        // Collected by a partner at its own gathering.
        created = (await services.feedback.submit(partnerCtx, { ...input, agency: undefined, receivedAt: receivedAt.toISOString() })).feedback
      } else if (round === 2 || !event) {
        // Given online, anonymously (or asking to be contacted back); most online givers answer the survey too.
        const survey = n % 4 === 3 ? {} : { survey: { dignity: 2 + (n % 4), voice: 1 + (n % 5), trust: 2 + ((n * 3) % 4) } }
        created = (await services.feedback.submit(publicCtx, { ...input, ...survey, ...(s.contact ? { contact: { displayName: 'Demo resident', email: `resident${n}@example.org`, consentToContact: true } } : {}) })).feedback
      } else {
        created = (await services.feedback.submit(ctx, { ...input, agency: undefined, channel: channels[n % channels.length], eventId: event.id, receivedAt: receivedAt.toISOString() })).feedback
      }
      items.push({ id: created.id, saying: i, version: created.version, visibility: created.visibility })
    }
  }

  // Staff moderate what givers asked to publish (one is withheld), and triage the rest.
  for (const [n, item] of items.entries()) {
    if (item.visibility === 'pending_moderation') {
      const moderated = await services.feedback.moderate(ctx, item.id, n === 5 ? { action: 'withhold', note: 'Names a private individual.' } : { action: 'publish' }, item.version)
      item.version = moderated.version
    }
  }
  const answered = new Set(answers.flatMap((a) => a.sayings))
  for (const [n, item] of items.entries()) {
    if (answered.has(item.saying)) {
      if (n % 3 === 0) item.version = (await services.feedback.transition(ctx, item.id, { to: 'acknowledged' }, item.version)).version
      continue
    }
    if (n % 4 === 0) item.version = (await services.feedback.transition(ctx, item.id, { to: 'declined', reason: 'Outside the department’s jurisdiction; passed to the city.' }, item.version)).version
    else if (n % 4 === 1) item.version = (await services.feedback.transition(ctx, item.id, { to: 'referred', referredTo: 'City Public Works' }, item.version)).version
    else if (n % 4 === 2) item.version = (await services.feedback.transition(ctx, item.id, { to: 'under_review', note: 'With the district commander.' }, item.version)).version
  }

  // Decisions answer the sayings (every round's items), discussed at a meeting, then reported back at a later one.
  let reportBacks = 0
  for (const [k, a] of answers.entries()) {
    const discussedAt = held.length ? held[k % held.length] : undefined
    const later = held.filter((e) => discussedAt && e.startsAt > discussedAt.startsAt).at(-1)
    const decidedAt = new Date(Math.min(now.getTime() - (40 - k) * day, discussedAt ? new Date(discussedAt.endsAt).getTime() + day : now.getTime()))
    let { decision } = await services.decisions.record(ctx, {
      title: a.title,
      summary: { en: a.summary },
      rationale: { en: a.rationale },
      decidedBy: a.decidedBy,
      decidedAt: decidedAt.toISOString(),
      topic: a.topic,
      publication: 'published',
      feedbackIds: items.filter((i) => a.sayings.includes(i.saying)).map((i) => i.id),
      eventIds: discussedAt ? [discussedAt.id] : [],
      organizationIds: partner && k % 3 === 0 ? [partner.id] : [],
    })
    for (const [p, step] of a.progress.entries()) {
      const on = new Date(decidedAt.getTime() + (p + 1) * 7 * day)
      decision = await services.decisions.addUpdate(ctx, decision.id, { status: step.status, on: on.toISOString().slice(0, 10), note: { en: step.note } }, decision.version)
    }
    if (!a.reported) continue
    const relayedAt = new Date(Math.min(later ? new Date(later.startsAt).getTime() + 3_600_000 : decidedAt.getTime() + 14 * day, now.getTime() - 60_000))
    await services.reportBacks.record(ctx, {
      decisionId: decision.id,
      channel: later ? 'community_meeting' : 'website',
      relayedAt: relayedAt.toISOString(),
      ...(later ? { eventId: later.id } : { url: 'https://riverton.example.gov/you-said-we-did' }),
      languages: ['en', 'es'],
      audience: ['feedback_givers', 'area_residents'],
      summary: { en: `You said: ${sayings[a.sayings[0]!]!.body.replace(/\{\w+\}/g, 'your street').slice(0, 80)}… We did: ${a.summary}` },
    })
    reportBacks++
  }
  return { feedback: items.length, decisions: answers.length, reportBacks }
}
