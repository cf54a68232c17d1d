import { AjvCompiler, type ValidatorFactory } from '@fastify/ajv-compiler'
import type { SchemaValidateFunction } from 'ajv'
import { FINITE, MAX_DEPTH } from './keyword-names.js'

/**
 * Keyword: the number must be finite. Ajv's type coercion turns the strings "Infinity" and "1e999"
 * into ±Infinity without the finiteness check it applies to numbers, and its range keywords then
 * skip them (ajv-validator/ajv#2212): `?limit=Infinity` reached the database. The validator
 * compiler below adds this keyword to every number and integer schema, and to free-form JSON (the
 * schemas with a depth limit), where it checks every number inside; documents are not changed.
 */
export const finiteNumber: SchemaValidateFunction = (_enabled: boolean, data: unknown) => {
  if (typeof data === 'number' ? Number.isFinite(data) : onlyFiniteNumbersIn(data)) return true
  finiteNumber.errors = [{ keyword: FINITE, message: typeof data === 'number' ? 'must be a finite number' : 'must hold only finite numbers (1e999 is Infinity, which JSON cannot store)', params: {} }]
  return false
}

/** Free-form JSON holds no ±Infinity (`1e999` parses to it; it would be stored as null, or as Infinity on MongoDB). Walks without recursing: no nesting overflows it. */
function onlyFiniteNumbersIn (data: unknown): boolean {
  const pending = [data]
  while (pending.length > 0) {
    const value = pending.pop()
    if (typeof value === 'number' && !Number.isFinite(value)) return false
    if (typeof value === 'object' && value !== null) for (const child of Array.isArray(value) ? value : Object.values(value)) pending.push(child)
  }
  return true
}

/** Keywords whose values are data, not schemas. */
const DATA_KEYWORDS = new Set(['default', 'const', 'enum', 'examples', 'example'])
/** Keywords whose values map names (which may be any word) to schemas. */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas'])

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

const isNumeric = (type: unknown) => type === 'number' || type === 'integer' || (Array.isArray(type) && (type.includes('number') || type.includes('integer')))

/** A copy of `schema` with FINITE on each number and integer schema, wherever it is nested. */
export function withFiniteNumbers (schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withFiniteNumbers)
  if (!isObject(schema)) return schema
  const copy: Record<string, unknown> = {}
  for (const [keyword, value] of Object.entries(schema)) {
    if (DATA_KEYWORDS.has(keyword)) copy[keyword] = value
    else if (SCHEMA_MAPS.has(keyword) && isObject(value)) copy[keyword] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, withFiniteNumbers(sub)]))
    else copy[keyword] = withFiniteNumbers(value)
  }
  if (isNumeric(copy.type) || copy[MAX_DEPTH] !== undefined) copy[FINITE] = true
  return copy
}

/** Fastify's validator factory (@fastify/ajv-compiler), compiling each route schema with FINITE added. */
const defaultValidatorFactory = AjvCompiler()

export const finiteNumbersValidatorFactory: ValidatorFactory = (externalSchemas, options) => {
  const compile = defaultValidatorFactory(externalSchemas, options)
  return (route) => compile({ ...route, schema: withFiniteNumbers(route.schema) as typeof route.schema })
}
