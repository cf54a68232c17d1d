import { Type } from 'typebox'

export const IdSchema = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$' })
export const DateTimeSchema = Type.String({ format: 'date-time' })
export const TokenSchema = Type.String({ description: 'API token, for clients that cannot send `Authorization: Bearer`' })
export const DEFAULT_PAGE_LIMIT = 20
export const LimitSchema = Type.Integer({ minimum: 1, maximum: 100, default: DEFAULT_PAGE_LIMIT })
export const CursorSchema = Type.String({ maxLength: 512, description: 'Opaque cursor from `next_cursor`' })

export const ErrorSchema = Type.Object({
  statusCode: Type.Integer(),
  code: Type.String(),
  error: Type.String(),
  message: Type.String()
}, { description: 'Every error response has this shape' })

/** Response entries for the error statuses a route can answer; every route can answer 500 (e.g. storage misconfigured). */
export function errorResponses (...statuses: number[]) {
  return Object.fromEntries([...statuses, 500].map((status) => [status, ErrorSchema]))
}

export const TokenQuerySchema = Type.Object({ token: Type.Optional(TokenSchema) })
export const IdParamsSchema = Type.Object({ id: IdSchema })
