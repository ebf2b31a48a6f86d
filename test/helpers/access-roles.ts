// The callers every access matrix tries: the public, a partner of an organization and of another, an analyst, staff,
// an admin, and staff of another agency; with a poster that fails loudly when a set-up write is refused.
import type { FastifyInstance } from 'fastify'
import { bearer } from './auth.ts'

export type Role = 'public' | 'partnerOwn' | 'partnerOther' | 'analyst' | 'staff' | 'admin' | 'staffElsewhere'
export const roles: Role[] = ['public', 'partnerOwn', 'partnerOther', 'analyst', 'staff', 'admin', 'staffElsewhere']

/** Two organizations of the agency (a partner of each) and every role's headers; `post` writes set-up data as staff by default. */
export async function accessRoles(app: FastifyInstance) {
  const staff = await bearer()
  const post = async (url: string, payload: unknown, headers: Record<string, string> = staff) => {
    const res = await app.inject({ method: 'POST', url, headers, payload: payload as never })
    if (res.statusCode >= 300) throw new Error(`${url}: ${res.body}`)
    return res.json()
  }
  const own = await post('/v1/organizations', { name: 'Eastside Mosque', kind: 'faith' })
  const other = await post('/v1/organizations', { name: 'Westside Youth League', kind: 'youth' })
  const headers: Record<Role, Record<string, string>> = {
    public: {},
    partnerOwn: await bearer({ role: 'partner', sub: 'p-own', claims: { org: own.id } }),
    partnerOther: await bearer({ role: 'partner', sub: 'p-other', claims: { org: other.id } }),
    analyst: await bearer({ role: 'analyst', sub: 'analyst-1' }),
    staff,
    admin: await bearer({ role: 'admin', sub: 'admin-1' }),
    staffElsewhere: await bearer({ role: 'staff', agency: 'lakeside', sub: 'lake-staff' }),
  }
  return { staff, post, own, other, headers }
}
