import fp from 'fastify-plugin'
import fastifySwagger from '@fastify/swagger'
import fastifySwaggerUi from '@fastify/swagger-ui'

export default fp(async function swaggerPlugin (fastify) {
  await fastify.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'Render service',
        description: 'Threads, messages and MP3 renders on S3-compatible storage',
        version: '0.1.0'
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A user token (JWT; the user is its sub), API_TOKEN (the service token, acting as the user_id a request names), or ADMIN_TOKEN for /api/v1/admin' },
          metrics: { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN, for GET /metrics' }
        }
      },
      security: [{ bearer: [] }]
    }
  })
  await fastify.register(fastifySwaggerUi, { routePrefix: '/docs' })
}, { name: 'swagger' })
