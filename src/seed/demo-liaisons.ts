// The demo's community liaisons: an imam and a neighbourhood association president the partners proposed and staff
// confirmed, carrying the school-zone announcement and taking roles in upcoming meetings; a youth coach everyone listens
// to, listed by name at his wish; and a proposal still waiting for staff. Loaded through the services.
import type { RequestContext } from '../context.ts'
import type { Services } from '../modules/services.ts'
import { DEMO_SLUG } from './demo-data.ts'

export async function seedDemoLiaisons(services: Services, ctx: RequestContext, { areaId }: { areaId(code: string): string }): Promise<{ liaisons: number }> {
  const organizations = (await services.organizations.list(ctx, { agency: DEMO_SLUG, limit: 100 })).data
  const partnerCtx = (organizationId: string): RequestContext => ({ ...ctx, actor: { kind: 'partner', subject: `demo-partner-${organizationId}`, agencySlug: DEMO_SLUG, organizationId } })
  const announcements = (await services.announcements.list(ctx, { agency: DEMO_SLUG, limit: 20 })).data.map((a) => a.id)
  const upcoming = (await services.events.list(ctx, { agency: DEMO_SLUG, status: ['scheduled'], limit: 3 })).data.map((e) => e.id)
  const [first, second] = organizations
  const proposeAndConfirm = async (by: RequestContext, input: Record<string, unknown>, links: { events: { eventId: string; role: string }[]; announcementIds: string[] }) => {
    const proposed = await services.liaisons.propose(by, input)
    const confirmed = await services.liaisons.changeStatus(ctx, proposed.id, { status: 'confirmed' }, proposed.version)
    return services.liaisons.setLinks(ctx, proposed.id, links, confirmed.version)
  }

  await proposeAndConfirm(
    first ? partnerCtx(first.id) : ctx,
    { displayName: 'Imam Yusuf Hassan', kind: 'faith_leader', areaIds: [areaId('D1')], languages: ['so', 'ar', 'en'], communities: ['Somali community'], organizationIds: first ? [first.id] : [], contact: { email: 'imam.hassan@example.org' }, consents: { contact: true } },
    { events: upcoming.slice(0, 1).map((eventId) => ({ eventId, role: 'co_host' })), announcementIds: announcements.slice(0, 1) },
  )
  await proposeAndConfirm(
    second ? partnerCtx(second.id) : ctx,
    { displayName: 'Rosa Delgado', kind: 'neighborhood_association', areaIds: [areaId('D1'), areaId('D3')], languages: ['es', 'en'], communities: ['Eastgate Neighbors Association'], organizationIds: second ? [second.id] : [], contact: { phone: '+1 319 555 0148' }, consents: { contact: true } },
    { events: upcoming.slice(0, 2).map((eventId) => ({ eventId, role: 'interpreter' })), announcementIds: announcements.slice(0, 1) },
  )
  await proposeAndConfirm(ctx, { displayName: 'Coach Marcus Bell', kind: 'youth_leader', listedByName: true, areaIds: [areaId('D4')], languages: ['en'], communities: ['Lincoln Park basketball'] }, { events: upcoming.slice(2, 3).map((eventId) => ({ eventId, role: 'speaker' })), announcementIds: [] })
  // Waiting for staff: a business owner people on Main Street listen to.
  await services.liaisons.propose(first ? partnerCtx(first.id) : ctx, { displayName: 'Mr. Tran', kind: 'business_owner', areaIds: [areaId('D3')], languages: ['vi', 'en'], communities: ['Main Street merchants'] })
  return { liaisons: 4 }
}
