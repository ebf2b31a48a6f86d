// Optimistic locking: which versions of a resource a write may apply to (from If-Match or a GraphQL argument).
import { AppError } from '../../errors.ts'

/** One version, any of several, or any current version ("*"). */
export type VersionCondition = number | number[] | 'any'

export function versionMatches(condition: VersionCondition, current: number): boolean {
  if (condition === 'any') return true
  return Array.isArray(condition) ? condition.includes(current) : condition === current
}

/** A write whose expected version is not the current one (412). */
export const preconditionFailed = (currentVersion?: number) =>
  new AppError(
    'PRECONDITION_FAILED',
    currentVersion === undefined
      ? 'The resource changed while this request ran; read it again and retry'
      : `The resource is at version ${currentVersion}; read it again and retry with its current ETag`,
  )
