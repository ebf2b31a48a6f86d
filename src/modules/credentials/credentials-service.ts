/** Partner API credentials: admins issue and revoke them; clients exchange them for short-lived tokens (RFC 6749 §4.4). */
import { z } from 'zod'
import type { Actor } from '../../auth/actor.ts'
import type { PartnerTokens } from '../../auth/partner-tokens.ts'
import type { RequestContext } from '../../context.ts'
import type { Database, Queryable } from '../../db/client.ts'
import { AppError, notFound } from '../../errors.ts'
import type { AgencyRow } from '../agencies/agencies-repository.ts'
import type { AgenciesService } from '../agencies/agencies-service.ts'
import { createAuditRepository } from '../audit/audit-repository.ts'
import { createOrganizationsRepository } from '../organizations/organizations-repository.ts'
import { isUuid, parseInput } from '../shared/validation.ts'
import { createCredentialsRepository, type ApiClientRow } from './credentials-repository.ts'
import { hashSecret, newClientId, newClientSecret, secretMatches } from './secrets.ts'

export type ApiClientView = ReturnType<typeof apiClientView>
export type ContactFeedClientView = ReturnType<typeof contactFeedClientView>

/** A contact feed credential: the agency's own CAD/RMS system, no organization; never the secret. */
export function contactFeedClientView(c: ApiClientRow) {
  return {
    id: c.id,
    clientId: c.clientId,
    name: c.name,
    createdAt: c.createdAt.toISOString(),
    revokedAt: c.revokedAt ? c.revokedAt.toISOString() : null,
    lastUsedAt: c.lastUsedAt ? c.lastUsedAt.toISOString() : null,
  }
}

/** Never the secret: it is shown once, when the credential is created. */
export function apiClientView(c: ApiClientRow) {
  return {
    id: c.id,
    clientId: c.clientId,
    name: c.name,
    organizationId: c.organizationId,
    createdAt: c.createdAt.toISOString(),
    revokedAt: c.revokedAt ? c.revokedAt.toISOString() : null,
    lastUsedAt: c.lastUsedAt ? c.lastUsedAt.toISOString() : null,
  }
}

const createApiClientInput = z.strictObject({ name: z.string().trim().min(1).max(200) })

/** A token request as the transport read it: the form fields, and HTTP Basic credentials if sent. */
export type TokenRequest = { form: Record<string, string>; basic?: { clientId: string; clientSecret: string } }
export type TokenResponse = { access_token: string; token_type: 'Bearer'; expires_in: number }

const invalidClient = () => new AppError('INVALID_CLIENT', 'The client is unknown, revoked, its organization is not an active partner, or its secret is wrong')

export function createCredentialsService({ database, agencies, partnerTokens }: { database: Database; agencies: AgenciesService; partnerTokens?: PartnerTokens }) {
  const { db } = database

  /** Credentials are an admin's business; staff and everyone else are refused. */
  async function adminAgency(ctx: RequestContext): Promise<AgencyRow> {
    if (ctx.actor.kind === 'public') throw new AppError('UNAUTHENTICATED', 'Sign in as an agency admin to manage API credentials')
    if (ctx.actor.kind !== 'admin') throw new AppError('FORBIDDEN', 'Only agency admins may manage API credentials')
    return agencies.ofActor(ctx)
  }

  async function organizationOf(tx: Queryable, agencyId: string, organizationId: string) {
    const org = isUuid(organizationId) ? await createOrganizationsRepository(tx).byId(organizationId) : undefined
    if (!org || org.agencyId !== agencyId) throw notFound('ORGANIZATION_NOT_FOUND', 'The organization')
    return org
  }

  return {
    /** Issues a credential for an organization. The secret is in this answer and nowhere else, ever. */
    async issue(ctx: RequestContext, organizationId: string, rawInput: unknown): Promise<ApiClientView & { clientSecret: string }> {
      const agency = await adminAgency(ctx)
      const input = parseInput(createApiClientInput, rawInput)
      const clientSecret = newClientSecret()
      const secretHash = await hashSecret(clientSecret)
      const row = await db.transaction(async (tx) => {
        await organizationOf(tx, agency.id, organizationId)
        const created = await createCredentialsRepository(tx).insert({ agencyId: agency.id, organizationId, name: input.name, clientId: newClientId(), secretHash, createdAt: ctx.clock.now() })
        await createAuditRepository(tx).record(ctx, {
          agencyId: agency.id,
          action: 'api_client.created',
          entityType: 'api_client',
          entityId: created.id,
          details: { organizationId, clientId: created.clientId },
        })
        return created
      })
      return { ...apiClientView(row), clientSecret }
    },

    /** Issues a contact feed credential (CAD/RMS): it may post contact events and nothing more. The secret is shown once. */
    async issueContactFeed(ctx: RequestContext, rawInput: unknown): Promise<ContactFeedClientView & { clientSecret: string }> {
      const agency = await adminAgency(ctx)
      const input = parseInput(createApiClientInput, rawInput)
      const clientSecret = newClientSecret()
      const secretHash = await hashSecret(clientSecret)
      const row = await db.transaction(async (tx) => {
        const created = await createCredentialsRepository(tx).insert({ agencyId: agency.id, organizationId: null, kind: 'contact_feed', name: input.name, clientId: newClientId(), secretHash, createdAt: ctx.clock.now() })
        await createAuditRepository(tx).record(ctx, { agencyId: agency.id, action: 'api_client.created', entityType: 'api_client', entityId: created.id, details: { kind: 'contact_feed', clientId: created.clientId } })
        return created
      })
      return { ...contactFeedClientView(row), clientSecret }
    },

    async listContactFeeds(ctx: RequestContext): Promise<ContactFeedClientView[]> {
      const agency = await adminAgency(ctx)
      return (await createCredentialsRepository(db).listContactFeeds(agency.id)).map(contactFeedClientView)
    },

    async list(ctx: RequestContext, organizationId: string): Promise<ApiClientView[]> {
      const agency = await adminAgency(ctx)
      await organizationOf(db, agency.id, organizationId)
      return (await createCredentialsRepository(db).listOfOrganization(agency.id, organizationId)).map(apiClientView)
    },

    /** Revokes a credential: its tokens stop working and the token endpoint refuses it, at once. Revoking twice is harmless. */
    async revoke(ctx: RequestContext, id: string): Promise<ApiClientView> {
      const agency = await adminAgency(ctx)
      if (!isUuid(id)) throw notFound('API_CLIENT_NOT_FOUND', 'The API client')
      const row = await db.transaction(async (tx) => {
        const repo = createCredentialsRepository(tx)
        const current = await repo.byId(id)
        if (!current || current.agencyId !== agency.id) throw notFound('API_CLIENT_NOT_FOUND', 'The API client')
        if (current.revokedAt) return current
        const revoked = await repo.revoke(agency.id, id, ctx.clock.now())
        await createAuditRepository(tx).record(ctx, {
          agencyId: agency.id,
          action: 'api_client.revoked',
          entityType: 'api_client',
          entityId: id,
          details: { organizationId: current.organizationId, clientId: current.clientId },
        })
        return revoked ?? current
      })
      return apiClientView(row)
    },

    /** Whether tokens issued to this client are still good (not revoked, and its organization is an active partner). */
    isActive: (clientId: string) => createCredentialsRepository(db).isActive(clientId),

    /** Whether an organization still speaks as a partner of its agency: read on every request, so a pause applies at once. */
    isActivePartner: (agencySlug: string, organizationId: string) => createCredentialsRepository(db).isActivePartner(agencySlug, organizationId),

    /** The client credentials grant: a known, live client with the right secret gets a short-lived partner token. */
    async exchange(ctx: RequestContext, request: TokenRequest): Promise<TokenResponse> {
      if (!partnerTokens) throw new AppError('PARTNER_CREDENTIALS_NOT_CONFIGURED', 'Partner credentials are not configured on this server (TOKEN_SIGNING_JWK is not set)')
      const { form, basic } = request
      if (!form.grant_type) throw new AppError('INVALID_TOKEN_REQUEST', 'grant_type is required')
      if (form.grant_type !== 'client_credentials') throw new AppError('UNSUPPORTED_GRANT_TYPE', 'Only grant_type=client_credentials is supported')
      const inBody = form.client_id !== undefined || form.client_secret !== undefined
      if (basic && inBody) throw new AppError('INVALID_TOKEN_REQUEST', 'Authenticate the client one way: HTTP Basic or client_id and client_secret in the body, not both')
      const clientId = basic?.clientId ?? form.client_id
      const clientSecret = basic?.clientSecret ?? form.client_secret
      if (!clientId || !clientSecret) throw invalidClient()

      const client = clientId.length <= 100 ? await createCredentialsRepository(db).forExchange(clientId) : undefined
      // The hash is checked even for an unknown client, so the answer's timing does not tell which ids exist.
      const matches = await secretMatches(clientSecret, client?.secretHash)
      if (!client || !matches || client.revokedAt || !client.partnerActive) throw invalidClient()

      const base = { kind: 'partner', subject: client.clientId, agencySlug: client.agencySlug } as const
      const actor: Actor = client.organizationId ? { ...base, organizationId: client.organizationId } : { ...base, feed: true }
      const accessToken = await partnerTokens.sign(
        client.organizationId ? { clientId: client.clientId, agencySlug: client.agencySlug, organizationId: client.organizationId } : { clientId: client.clientId, agencySlug: client.agencySlug, feed: true },
      )
      await db.transaction(async (tx) => {
        const now = ctx.clock.now()
        await createCredentialsRepository(tx).touch(client.agencyId, client.id, now)
        await createAuditRepository(tx).record({ ...ctx, actor }, {
          agencyId: client.agencyId,
          action: 'api_client.token_issued',
          entityType: 'api_client',
          entityId: client.id,
          details: { organizationId: client.organizationId, expiresIn: partnerTokens.lifetimeSeconds },
        })
      })
      return { access_token: accessToken, token_type: 'Bearer', expires_in: partnerTokens.lifetimeSeconds }
    },
  }
}
export type CredentialsService = ReturnType<typeof createCredentialsService>
