import { badRequest } from '../errors.js'
import type { Page } from '../repository/types.js'
import { DEFAULT_PAGE_LIMIT } from '../../schemas/common.js'

/** Opaque keyset cursor: the (created_at, id) of the last item of the previous page. */
export function encodeCursor (item: { created_at: string, id: string }): string {
  return Buffer.from(JSON.stringify([item.created_at, item.id])).toString('base64url')
}

export function pageFromQuery (query: { limit?: number, cursor?: string }): Page {
  const limit = query.limit ?? DEFAULT_PAGE_LIMIT
  if (query.cursor === undefined) return { limit }
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(query.cursor, 'base64url').toString('utf8')) as unknown[]
    if (typeof createdAt === 'string' && typeof id === 'string') return { limit, before: { created_at: createdAt, id } }
  } catch {}
  throw badRequest('cursor is not a cursor this service returned')
}

/** Asks for one extra item to know whether a next page exists. */
export function withNextCursor<T extends { created_at: string, id: string }> (items: T[], limit: number) {
  const page = items.slice(0, limit)
  return { page, next_cursor: items.length > limit ? encodeCursor(page[page.length - 1]) : null }
}
