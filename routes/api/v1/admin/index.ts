import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { errorResponses, TokenSchema } from '../../../../schemas/common.js'
import { conflict } from '../../../../services/errors.js'
import { parseDuration } from '../../../../services/lifecycle/duration.js'

const SweepSummarySchema = Type.Object({
  status: Type.Literal('completed'),
  dry_run: Type.Boolean(),
  expired_uploads: Type.Integer(),
  unattached_renders: Type.Integer(),
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
  fastify.post('/cleanup', {
    config: { auth: 'admin' },
    schema: {
      tags: ['Admin'],
      summary: 'Run the render sweeper now (ADMIN_TOKEN only)',
      description: 'Expires stale pending uploads and ready renders never attached to a message within `older_than`, ' +
        'deletes orphan objects older than `older_than` (default ORPHAN_GRACE_SECONDS), ' +
        'drains the deletion queue and reports renders whose object is missing. 409 while another sweep holds the lease.',
      body: Type.Optional(Type.Object({
        token: Type.Optional(TokenSchema),
        dry_run: Type.Boolean({ default: false }),
        older_than: Type.Optional(Type.String({ pattern: '^\\d+[smhd]$', description: 'e.g. 30m, 24h, 7d' }))
      })),
      response: { 200: SweepSummarySchema, ...errorResponses(400, 401, 403, 409, 503) }
    }
  }, async (request) => {
    const olderThan = request.body?.older_than
    const summary = await fastify.sweep({
      ...fastify.defaultSweepOptions,
      ...(olderThan !== undefined ? { orphanGraceMs: parseDuration(olderThan) ?? 0 } : {}),
      dryRun: request.body?.dry_run ?? false
    })
    if (summary.status === 'lease_held') throw conflict('Another cleanup is running; try again later')
    return { ...summary, status: 'completed' as const }
  })
}

export default adminRoutes
