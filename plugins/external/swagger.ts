import fp from 'fastify-plugin'
import fastifySwagger from '@fastify/swagger'
import fastifySwaggerUi from '@fastify/swagger-ui'
import { ErrorSchema } from '../../schemas/common.js'

/** Marks an operation whose body schema is Type.Optional, for transformObject to undo @fastify/swagger's `required: true`. */
const OPTIONAL_BODY = 'x-optional-body'

/**
 * What every route with a body can answer before its handler runs, from Fastify's body parsing: 413
 * past the body limit, 415 for a content type the route does not parse. Documented on each such route.
 */
function withBodyParsingErrors (schema: Record<string, any>) {
  const response = { 413: ErrorSchema, 415: ErrorSchema, ...schema.response }
  return { ...schema, response, ...(schema.body['~optional'] === true ? { [OPTIONAL_BODY]: true } : {}) }
}

function bodyOptionalWhereMarked (openapiObject: Record<string, any>) {
  for (const operations of Object.values<Record<string, any>>(openapiObject.paths ?? {})) {
    for (const operation of Object.values<Record<string, any>>(operations)) {
      if (operation[OPTIONAL_BODY] !== true) continue
      delete operation[OPTIONAL_BODY]
      operation.requestBody.required = false
    }
  }
  return openapiObject
}

export default fp(async function swaggerPlugin (fastify) {
  await fastify.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'Render service',
        description: 'Threads, messages and audio renders (MP3, WAV, FLAC, Ogg Vorbis/Opus, M4A) on S3-compatible storage',
        version: '0.1.0'
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A user token (JWT; the user is its sub), API_TOKEN (the service token, acting as the user_id a request names), or ADMIN_TOKEN for /api/v1/admin' },
          metrics: { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN, for GET /metrics' }
        }
      },
      security: [{ bearer: [] }]
    },
    transform: ({ schema, url }) => ({ schema: (schema as Record<string, any> | undefined)?.body === undefined ? schema : withBodyParsingErrors(schema as Record<string, any>), url }),
    // Only an OpenAPI document is configured.
    transformObject: (document) => bodyOptionalWhereMarked((document as { openapiObject: Record<string, any> }).openapiObject)
  })
  await fastify.register(fastifySwaggerUi, { routePrefix: '/docs' })
}, { name: 'swagger' })
