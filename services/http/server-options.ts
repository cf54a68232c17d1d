import { randomUUID } from 'node:crypto'
import type { FastifyServerOptions } from 'fastify'
import type { DestinationStream } from 'pino'
import type { AppConfig } from '../../config.js'

const TOKEN_IN_QUERY = /([?&]token=)[^&]*/gi

/**
 * Fastify options shared by the server and the tests, so tests build the app as production does.
 * Tokens never reach the logs: the query token is masked in the logged url and auth headers are redacted.
 */
export function serverOptions (config: Pick<AppConfig, 'LOG_LEVEL'>, logStream?: DestinationStream): FastifyServerOptions {
  return {
    logger: {
      level: config.LOG_LEVEL,
      ...(logStream !== undefined ? { stream: logStream } : {}),
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', '*.token', '*.API_TOKEN', '*.ADMIN_TOKEN', '*.METRICS_TOKEN', '*.S3_ACCESS_KEY', '*.S3_SECRET_KEY', '*.accessKeyId', '*.secretAccessKey'],
        censor: '[REDACTED]'
      },
      serializers: {
        req (request) {
          return {
            method: request.method,
            url: request.url.replace(TOKEN_IN_QUERY, '$1[REDACTED]'),
            remoteAddress: request.ip
          }
        }
      }
    },
    bodyLimit: 1024 * 1024,
    requestTimeout: 10 * 60_000,
    keepAliveTimeout: 10_000,
    ajv: { customOptions: { removeAdditional: 'all', coerceTypes: true } },
    genReqId: () => randomUUID()
  }
}
