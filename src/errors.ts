// AppError carries a stable code and an HTTP status; both front doors render it (REST: RFC 9457, GraphQL: extensions.code).

export type FieldError = { field: string; message: string }

export class AppError extends Error {
  readonly code: ErrorCode
  readonly extra: { errors?: FieldError[]; retryAfterSeconds?: number }
  constructor(code: ErrorCode, message: string, extra: AppError['extra'] = {}) {
    super(message)
    this.name = 'AppError'
    this.code = code
    this.extra = extra
  }

  get status(): number {
    return catalogue[this.code].status
  }

  get title(): string {
    return catalogue[this.code].title
  }
}

/** Every code a caller can see, with its HTTP status and a short title. Codes are part of the contract. */
export const catalogue = {
  VALIDATION_FAILED: { status: 400, title: 'The request has invalid fields' },
  MALFORMED_JSON: { status: 400, title: 'The request body is not valid JSON' },
  INVALID_CURSOR: { status: 400, title: 'The pagination cursor is not valid' },
  BAD_REQUEST: { status: 400, title: 'The request is not valid' },
  INVALID_TOKEN_REQUEST: { status: 400, title: 'The token request is not valid' },
  UNSUPPORTED_GRANT_TYPE: { status: 400, title: 'The grant type is not supported' },
  INVALID_CLIENT: { status: 401, title: 'Client authentication failed' },
  UNAUTHENTICATED: { status: 401, title: 'A valid bearer token is required' },
  FORBIDDEN: { status: 403, title: 'Not allowed' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  ROUTE_NOT_FOUND: { status: 404, title: 'No such route' },
  EVENT_NOT_FOUND: { status: 404, title: 'Event not found' },
  SERIES_NOT_FOUND: { status: 404, title: 'Series not found' },
  AREA_NOT_FOUND: { status: 404, title: 'Area not found' },
  AGENCY_NOT_FOUND: { status: 404, title: 'Agency not found' },
  ORGANIZATION_NOT_FOUND: { status: 404, title: 'Organization not found' },
  API_CLIENT_NOT_FOUND: { status: 404, title: 'API client not found' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed' },
  NOT_ACCEPTABLE: { status: 406, title: 'Not acceptable' },
  INVALID_TRANSITION: { status: 409, title: 'The change is not allowed in the current state' },
  CONFLICT: { status: 409, title: 'Conflict' },
  PRECONDITION_FAILED: { status: 412, title: 'The resource has changed since it was read' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'The request body is too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type' },
  IDEMPOTENCY_KEY_REUSED: { status: 422, title: 'The Idempotency-Key was used with a different request' },
  IDEMPOTENCY_KEY_IN_PROGRESS: { status: 409, title: 'A request with this Idempotency-Key is still being processed' },
  PRECONDITION_REQUIRED: { status: 428, title: 'An If-Match header is required' },
  RATE_LIMITED: { status: 429, title: 'Too many requests' },
  TOO_MANY_SUBSCRIPTIONS: { status: 429, title: 'The connection holds as many subscriptions as it may' },
  INTERNAL: { status: 500, title: 'Internal server error' },
  DATABASE_UNAVAILABLE: { status: 503, title: 'The database is unavailable; retry shortly' },
  SERVICE_UNAVAILABLE: { status: 503, title: 'The server is not taking requests right now; retry shortly' },
  OVERLOADED: { status: 503, title: 'The server is at capacity; retry shortly' },
  PARTNER_CREDENTIALS_NOT_CONFIGURED: { status: 503, title: 'Partner credentials are not configured on this server' },
  PARTICIPANT_NOT_FOUND: { status: 404, title: 'Participant not found' },
  LIAISON_NOT_FOUND: { status: 404, title: 'Liaison not found' },
  REGISTRATION_NOT_FOUND: { status: 404, title: 'Registration not found' },
  REGISTRATION_CLOSED: { status: 409, title: 'The event does not take registrations now' },
  ALREADY_REGISTERED: { status: 409, title: 'The participant is already registered for this event' },
  SURVEY_NOT_OPEN: { status: 409, title: 'The event does not take survey responses now' },
  SURVEY_CLOSED: { status: 409, title: "The event's survey window has closed" },
  SURVEY_TOKEN_REQUIRED: { status: 400, title: 'A survey response needs the one-time survey token handed out for the event' },
  SURVEY_TOKEN_INVALID: { status: 403, title: 'The survey token is not valid for this event' },
  SURVEY_TOKEN_USED: { status: 409, title: 'The survey token has already been used' },
  PARTICIPANT_ERASED: { status: 409, title: 'The participant was erased; their record cannot change' },
  LIAISON_ERASED: { status: 409, title: 'The liaison was erased; their record cannot change' },
  TOPIC_NOT_FOUND: { status: 404, title: 'Topic not found' },
  FEEDBACK_NOT_FOUND: { status: 404, title: 'Feedback not found' },
  DECISION_NOT_FOUND: { status: 404, title: 'Decision not found' },
  REPORT_BACK_NOT_FOUND: { status: 404, title: 'Report-back not found' },
  SERVICE_REQUEST_NOT_FOUND: { status: 404, title: 'Open311 service request not found' },
  WEBHOOK_SUBSCRIPTION_NOT_FOUND: { status: 404, title: 'Webhook subscription not found' },
  WEBHOOK_DELIVERY_NOT_FOUND: { status: 404, title: 'Webhook delivery not found' },
  PRIORITY_NOT_FOUND: { status: 404, title: 'Shared priority not found' },
  TRACKING_CODE_NOT_FOUND: { status: 404, title: 'No feedback for this tracking code' },
  ANNOUNCEMENT_NOT_FOUND: { status: 404, title: 'Announcement not found' },
  NORM_TABLE_NOT_FOUND: { status: 404, title: 'Norm table not found' },
  ALREADY_ENDORSED: { status: 409, title: 'The organization already endorses this priority' },
} as const satisfies Record<string, { status: number; title: string }>

export type ErrorCode = keyof typeof catalogue

/** The RFC 9457 `type` URI of a code: one per code, the same wherever a problem is written. */
export const problemType = (code: ErrorCode) => `https://community-engagement-api.dev/problems/${code.toLowerCase().replaceAll('_', '-')}`

/** The RFC 6749 §5.2 `error` a token-endpoint problem also carries, so OAuth client libraries understand it. */
export const oauthErrors: Partial<Record<ErrorCode, 'invalid_request' | 'invalid_client' | 'unsupported_grant_type'>> = {
  INVALID_TOKEN_REQUEST: 'invalid_request',
  INVALID_CLIENT: 'invalid_client',
  UNSUPPORTED_GRANT_TYPE: 'unsupported_grant_type',
}

export const notFound = (code: ErrorCode & `${string}NOT_FOUND`, what: string) =>
  new AppError(code, `${what} was not found`)

export const validationFailed = (errors: FieldError[]) =>
  new AppError('VALIDATION_FAILED', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors })

export const invalidTransition = (message: string) => new AppError('INVALID_TRANSITION', message)
