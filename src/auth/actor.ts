// Who is calling: the public, or a verified principal of one agency with one role.

/** `operator`: runs the platform (creates agencies, administers any agency's profile and areas), not an agency's records. */
export const roles = ['partner', 'analyst', 'staff', 'admin', 'operator'] as const
export type Role = (typeof roles)[number]

/** `feed`: a partner token issued to the agency's contact feed credential (CAD/RMS): it posts contact events, and otherwise has the public's reach. */
/** `scope`: an anonymous caller's namespace for Idempotency-Keys (a keyed hash of its address), when known. */
export type Actor =
  | { kind: 'public'; scope?: string }
  | { kind: Role; subject: string; agencySlug: string; organizationId?: string; feed?: true }

export const publicActor: Actor = { kind: 'public' }

/** Staff and admins manage the agency's records. */
export const canManage = (actor: Actor): actor is Extract<Actor, { kind: 'staff' | 'admin' }> =>
  actor.kind === 'staff' || actor.kind === 'admin'

/** A stable string naming the principal, used to scope idempotency keys and rate limits. */
export const principalOf = (actor: Actor): string =>
  actor.kind === 'public' ? (actor.scope ? `public:${actor.scope}` : 'public') : `${actor.kind}:${actor.agencySlug}:${actor.subject}`
