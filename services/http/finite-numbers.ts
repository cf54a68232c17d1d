import { AjvCompiler, type ValidatorFactory } from '@fastify/ajv-compiler'
import type { SchemaValidateFunction } from 'ajv'

/**
 * Keyword: the number must be finite. Ajv's type coercion turns the strings "Infinity" and "1e999"
 * into ±Infinity without the finiteness check it applies to numbers, and its range keywords then
 * skip them (ajv-validator/ajv#2212): `?limit=Infinity` reached the database. The validator
 * compiler below adds this keyword to every number and integer schema; documents are not changed.
 */
export const FINITE = 'x-finite'

export const finiteNumber: SchemaValidateFunction = (_enabled: boolean, data: unknown) => {
  if (typeof data !== 'number' || Number.isFinite(data)) return true
  finiteNumber.errors = [{ keyword: FINITE, message: 'must be a finite number', params: {} }]
  return false
}

/** Keys whose values are data, not schemas. */
const DATA_KEYWORDS = new Set(['default', 'const', 'enum', 'examples', 'example'])

const isNumeric = (type: unknown) => type === 'number' || type === 'integer' || (Array.isArray(type) && (type.includes('number') || type.includes('integer')))

/** A copy of `schema` with FINITE on each number and integer schema, wherever it is nested. */
export function withFiniteNumbers (schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withFiniteNumbers)
  if (typeof schema !== 'object' || schema === null) return schema
  const copy: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(schema)) copy[key] = DATA_KEYWORDS.has(key) ? value : withFiniteNumbers(value)
  if (isNumeric(copy.type)) copy[FINITE] = true
  return copy
}

/** Fastify's validator factory (@fastify/ajv-compiler), compiling each route schema with FINITE added. */
export const finiteNumbersValidatorFactory: ValidatorFactory = (externalSchemas, options) => {
  const compile = AjvCompiler()(externalSchemas, options)
  return (route) => compile({ ...route, schema: withFiniteNumbers(route.schema) as typeof route.schema })
}
