import { randomUUID } from 'node:crypto'
import type { FastifyServerOptions } from 'fastify'
import type { DestinationStream } from 'pino'
import type { AppConfig } from '../../config.js'
import { finiteNumbersValidatorFactory } from './finite-numbers.js'
import { fractionalSerializerFactory } from './fractional-numbers.js'
import { handleClientError, handleFrameworkError } from './framework-errors.js'
import { redactUrl } from './redact-url.js'
import { schemaKeywords } from './schema-keywords.js'

/**
 * Fastify options shared by the server and the tests, so tests build the app as production does.
 * The logged request is method, url with query tokens masked (redactUrl) and address; headers are
 * not logged, and the redact paths mask them where a plugin logs them (multipart logs busboy's options).
 */
export function serverOptions (config: Pick<AppConfig, 'LOG_LEVEL'>, logStream?: DestinationStream): FastifyServerOptions {
  return {
    logger: {
      level: config.LOG_LEVEL,
      ...(logStream !== undefined ? { stream: logStream } : {}),
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', '*.headers.authorization', '*.headers.cookie', '*.token', '*.API_TOKEN', '*.ADMIN_TOKEN', '*.METRICS_TOKEN', '*.S3_ACCESS_KEY', '*.S3_SECRET_KEY', '*.accessKeyId', '*.secretAccessKey'],
        censor: '[REDACTED]'
      },
      serializers: {
        req (request) {
          return {
            method: request.method,
            url: redactUrl(request.url),
            remoteAddress: request.ip
          }
        }
      }
    },
    bodyLimit: 1024 * 1024,
    // Fastify's 10 s per plugin is too short for a cold start on a busy 2-core machine (seen at load 25).
    pluginTimeout: 60_000,
    requestTimeout: 10 * 60_000,
    keepAliveTimeout: 10_000,
    ajv: { customOptions: { removeAdditional: 'all', coerceTypes: true }, plugins: [schemaKeywords] },
    schemaController: { compilersFactory: { buildValidator: finiteNumbersValidatorFactory, buildSerializer: fractionalSerializerFactory } },
    genReqId: () => randomUUID(),
    clientErrorHandler: handleClientError,
    frameworkErrors: handleFrameworkError
  }
}
