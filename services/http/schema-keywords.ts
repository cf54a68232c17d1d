import type { Ajv, SchemaValidateFunction } from 'ajv'
import { normalizeTimestamp } from '../time/normalize-timestamp.js'
import { finiteNumber } from './finite-numbers.js'
import { FINITE, MAX_DEPTH, UTC_TIMESTAMP } from './keyword-names.js'

/** Largest nesting of objects and arrays accepted in stored free-form JSON (message snapshots). */
export const MAX_JSON_DEPTH = 32

export { MAX_DEPTH, UTC_TIMESTAMP }

/** True when `value` nests objects and arrays no more than `limit` levels deep; never recurses past the limit. */
function depthWithin (value: unknown, limit: number): boolean {
  if (typeof value !== 'object' || value === null) return true
  if (limit === 0) return false
  return (Array.isArray(value) ? value : Object.values(value)).every((child) => depthWithin(child, limit - 1))
}

const maxDepth: SchemaValidateFunction = (limit: number, data: unknown) => {
  if (depthWithin(data, limit)) return true
  maxDepth.errors = [{ keyword: MAX_DEPTH, message: `must not nest objects and arrays more than ${limit} levels deep`, params: { limit } }]
  return false
}

/** Validates and rewrites the value in place: the handler gets the normalized UTC timestamp. */
const utcTimestamp: SchemaValidateFunction = (_enabled, data: unknown, _parentSchema, dataCxt) => {
  const normalized = typeof data === 'string' ? normalizeTimestamp(data) : null
  if (normalized === null) {
    utcTimestamp.errors = [{ keyword: UTC_TIMESTAMP, message: 'must be an ISO 8601 date-time, e.g. 2025-10-05T18:30:00.123456 (UTC) or 2025-10-05T20:30:00+02:00', params: {} }]
    return false
  }
  if (dataCxt !== undefined) dataCxt.parentData[dataCxt.parentDataProperty] = normalized
  return true
}

/** An Ajv plugin for Fastify's `ajv.plugins` option. */
export function schemaKeywords (ajv: Ajv): Ajv {
  ajv.addKeyword({ keyword: MAX_DEPTH, schemaType: 'number', errors: true, validate: maxDepth })
  // Not restricted to `type: 'number'`: Ajv runs number keywords only on finite numbers.
  ajv.addKeyword({ keyword: FINITE, schemaType: 'boolean', errors: true, validate: finiteNumber })
  ajv.addKeyword({ keyword: UTC_TIMESTAMP, type: 'string', schemaType: 'boolean', modifying: true, errors: true, validate: utcTimestamp })
  return ajv
}
