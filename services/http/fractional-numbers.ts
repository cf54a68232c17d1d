import { randomUUID } from 'node:crypto'
import { SerializerSelector, type SerializerFactory } from '@fastify/fast-json-stringify-compiler'

/**
 * Keyword on a number schema: the number is always written with a fractional part (`3` → `3.0`,
 * `2.5` stays), as the original Python server wrote floats; Dart's `jsonDecode` reads `3` as an int,
 * which a `double` field refuses. Only numbers under this keyword change, never free-form JSON.
 */
export const FRACTIONAL = 'x-fractional'

interface Schema { [keyword: string]: unknown }
const EACH = Symbol('every item')
type Path = Array<string | typeof EACH>

const isSchema = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value)

/** Where the marked numbers are in a document of this schema (through properties, items and unions). */
function fractionalPaths (schema: Schema, at: Path = []): Path[] {
  if (schema[FRACTIONAL] === true) return [at]
  const paths: Path[] = []
  for (const keyword of ['anyOf', 'oneOf', 'allOf']) {
    for (const branch of (schema[keyword] as Schema[] | undefined) ?? []) paths.push(...fractionalPaths(branch, at))
  }
  for (const [name, property] of Object.entries((schema.properties as Record<string, Schema> | undefined) ?? {})) {
    paths.push(...fractionalPaths(property, [...at, name]))
  }
  if (isSchema(schema.items)) paths.push(...fractionalPaths(schema.items, [...at, EACH]))
  return paths
}

/** The schema fast-json-stringify compiles: a marked number is a string holding its placeholder. */
function placeholderSchema (schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(placeholderSchema)
  if (!isSchema(schema)) return schema
  if (schema[FRACTIONAL] === true) return { type: 'string' }
  return Object.fromEntries(Object.entries(schema).map(([keyword, value]) => [keyword, placeholderSchema(value)]))
}

const written = (value: number) => Number.isInteger(value) ? value.toFixed(1) : String(value)

/** A copy of `value` with the number at `path` replaced by its placeholder; the original is not touched. */
function withPlaceholder (value: unknown, path: Path, marker: string, index = 0): unknown {
  if (index === path.length) {
    if (typeof value !== 'number') return value
    return Number.isFinite(value) ? marker + written(value) : null
  }
  const step = path[index]
  if (step === EACH) return Array.isArray(value) ? value.map((item) => withPlaceholder(item, path, marker, index + 1)) : value
  if (!isSchema(value) || value[step] === undefined) return value
  return { ...value, [step]: withPlaceholder(value[step], path, marker, index + 1) }
}

/**
 * Fastify's serializer factory (fast-json-stringify) for schemas with marked numbers: each is
 * serialized as a placeholder string, which is then replaced by the number with its fraction.
 * The placeholder holds a random per-process marker and only digits, so no client text can forge one.
 */
export const fractionalSerializerFactory: SerializerFactory = (externalSchemas, options) => {
  const compile = SerializerSelector()(externalSchemas, options)
  const marker = `${FRACTIONAL}:${randomUUID()}:`
  const placeholder = new RegExp(`"${marker}(-?[0-9.e+-]+)"`, 'g')
  return (route) => {
    const paths = isSchema(route.schema) ? fractionalPaths(route.schema) : []
    if (paths.length === 0) return compile(route)
    const stringify = compile({ ...route, schema: placeholderSchema(route.schema) })
    return (document: unknown) => stringify(paths.reduce((value, path) => withPlaceholder(value, path, marker), document))
      .replace(placeholder, '$1')
  }
}
