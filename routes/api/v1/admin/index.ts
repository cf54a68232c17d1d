import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { errorResponses, TokenSchema } from '../../../../schemas/common.js'
import { badRequest, conflict } from '../../../../services/errors.js'
import { MAX_AGE_MS, parseDuration } from '../../../../services/lifecycle/duration.js'

const SweepSummarySchema = Type.Object({
  status: Type.Literal('completed'),
  dry_run: Type.Boolean(),
  expired_uploads: Type.Integer(),
  unattached_renders: Type.Integer(),
  repaired: Type.Integer({ description: 'Attaches and deletes that a crash interrupted, finished now' }),
  acl_reconciled: Type.Integer({ description: 'Renders whose ACL was brought to their thread\'s (a visibility change that had not finished)' }),
  scanned_objects: Type.Integer(),
  orphan_objects: Type.Integer(),
  deleted_objects: Type.Integer(),
  failed_deletions: Type.Integer(),
  kept_in_use: Type.Integer(),
  missing_objects: Type.Array(Type.String()),
  missing_object_count: Type.Integer(),
  would_delete: Type.Optional(Type.Array(Type.String(), { description: 'Dry runs: the first 100 keys a real sweep would delete' })),
  would_delete_count: Type.Optional(Type.Integer({ description: 'Dry runs: how many keys a real sweep would delete' })),
  resumed: Type.Boolean(),
  started_at: Type.String(),
  finished_at: Type.String()
})

const adminRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const minOlderThanMs = fastify.config.CLEANUP_MIN_AGE_SECONDS * 1000

  // The body is optional: an empty JSON body counts as none (Fastify's parser refuses it).
  const parseJson = fastify.getDefaultJsonParser('error', 'error')
  fastify.removeContentTypeParser('application/json')
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') done(null, undefined)
    else parseJson(request, body.toString(), done)
  })

  fastify.post('/cleanup', {
    config: { auth: 'admin' },
    preValidation: async (request) => { request.body ??= { dry_run: false } },
    schema: {
      tags: ['Admin'],
      summary: 'Run the render sweeper now (ADMIN_TOKEN only)',
      description: 'Expires stale pending uploads and ready renders never attached to a message within `older_than`, ' +
        'deletes orphan objects older than `older_than` (default ORPHAN_GRACE_SECONDS), ' +
        'drains the deletion queue and reports renders whose object is missing. 409 while another sweep holds the lease. ' +
        'The body is optional.',
      body: Type.Optional(Type.Object({
        token: Type.Optional(TokenSchema),
        dry_run: Type.Boolean({ default: false }),
        older_than: Type.Optional(Type.String({
          pattern: '^\\d{1,10}[smhd]$',
          description: 'e.g. 30m, 24h, 7d; at least CLEANUP_MIN_AGE_SECONDS (default 15m), at most 3650d'
        }))
      })),
      response: { 200: SweepSummarySchema, ...errorResponses(400, 401, 403, 409, 503) }
    }
  }, async (request) => {
    const olderThan = request.body?.older_than
    const orphanGraceMs = olderThan === undefined ? undefined : parseDuration(olderThan)
    if (orphanGraceMs === null || (orphanGraceMs !== undefined && (orphanGraceMs < minOlderThanMs || orphanGraceMs > MAX_AGE_MS))) {
      throw badRequest(`older_than must be between ${fastify.config.CLEANUP_MIN_AGE_SECONDS}s and 3650d`)
    }
    const summary = await fastify.sweep({
      ...fastify.defaultSweepOptions,
      ...(orphanGraceMs !== undefined ? { orphanGraceMs } : {}),
      dryRun: request.body?.dry_run ?? false
    })
    if (summary.status === 'lease_held') throw conflict('Another cleanup is running; try again later')
    return { ...summary, status: 'completed' as const }
  })
}

export default adminRoutes
