// Content negotiation (RFC 9110 §12.5.1) between plain JSON and schema.org JSON-LD for event reads.
import type { FastifyRequest } from 'fastify'
import Negotiator from 'negotiator'

const offered = ['application/json', 'application/ld+json']

/** True when the caller ranks JSON-LD above plain JSON; no Accept, or anything else, gets plain JSON. */
export function prefersJsonLd(request: FastifyRequest): boolean {
  if (!request.headers.accept) return false
  return new Negotiator(request).mediaType(offered) === 'application/ld+json'
}
