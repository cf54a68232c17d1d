import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { errorResponses, IdParamsSchema, TokenQuerySchema } from '../../../../schemas/common.js'
import { MessagePageSchema } from '../../../../schemas/messages.js'
import { CreateThreadSchema, MemberBodySchema, PageQuerySchema, ThreadPageSchema, ThreadSchema, UpdateThreadSchema } from '../../../../schemas/threads.js'
import { userIdOf } from '../../../../services/auth/caller.js'
import { monotonicNow } from '../../../../services/clock.js'
import { conflict, notFound } from '../../../../services/errors.js'
import { pageFromQuery, withNextCursor } from '../../../../services/http/cursor.js'
import { newId } from '../../../../services/ids.js'
import { visibilityOf } from '../../../../services/renders/render-acl.js'
import type { ThreadDoc } from '../../../../services/repository/types.js'

/** Thread JSON: documents written before visibility existed are public. */
const threadJson = (thread: ThreadDoc) => ({ ...thread, visibility: visibilityOf(thread) })

const ThreadDeletedSchema = Type.Object({
  status: Type.Literal('deleted'),
  id: Type.String(),
  messages_deleted: Type.Integer(),
  renders_deleted: Type.Integer()
})

const threadRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const { repository, renderView, renderAcl, messageDeletion, access } = fastify

  fastify.post('/', {
    schema: {
      tags: ['Threads'],
      summary: 'Create a thread',
      body: CreateThreadSchema,
      description: 'With a user token, the user is the creator and a member, whatever `users` says.',
      response: { 201: ThreadSchema, ...errorResponses(400, 401, 403, 503) }
    }
  }, async (request, reply) => {
    const creator = userIdOf(request.caller!)
    const users = request.body.users ?? []
    const thread = {
      id: newId(),
      title: request.body.title ?? null,
      users: creator === null ? users : [...new Set([creator, ...users])],
      visibility: request.body.visibility ?? 'public',
      messages: [],
      created_at: monotonicNow(),
      created_by: creator
    }
    await repository.insertThread(thread)
    return reply.code(201).send(thread)
  })

  fastify.get('/', {
    schema: {
      tags: ['Threads'],
      summary: 'List threads, newest first',
      description: 'A user token lists the threads its user is a member of; the service token lists all.',
      querystring: PageQuerySchema,
      response: { 200: ThreadPageSchema, ...errorResponses(400, 401, 403, 503) }
    }
  }, async (request) => {
    const page = pageFromQuery(request.query)
    const threads = await repository.listThreads({ ...page, limit: page.limit + 1 }, userIdOf(request.caller!) ?? undefined)
    const { page: items, next_cursor } = withNextCursor(threads, page.limit)
    return { threads: items.map(threadJson), next_cursor }
  })

  fastify.get('/:id', {
    schema: {
      tags: ['Threads'],
      summary: 'Get a thread',
      params: IdParamsSchema,
      querystring: TokenQuerySchema,
      response: { 200: ThreadSchema, ...errorResponses(400, 401, 403, 404, 503) }
    }
  }, async (request) => threadJson(await access.visibleThread(request.caller!, request.params.id)))

  fastify.patch('/:id', {
    schema: {
      tags: ['Threads'],
      summary: 'Change a thread\'s visibility',
      description: 'Its creator (or the service token) only. Applies to the renders it already has: their objects get the matching ACL before this answers ' +
        '(if storage fails midway, the sweeper finishes; until then their URLs are signed).',
      params: IdParamsSchema,
      body: UpdateThreadSchema,
      response: { 200: ThreadSchema, ...errorResponses(400, 401, 403, 404, 503) }
    }
  }, async (request) => {
    await access.managedThread(request.caller!, request.params.id)
    const thread = await repository.setThreadVisibility(request.params.id, request.body.visibility)
    if (thread === null) throw notFound('Thread')
    try {
      await renderAcl.reconcileThread(thread.id)
    } catch (err) {
      request.log.warn({ err }, 'render ACLs not all changed yet; the sweeper finishes')
    }
    return threadJson(await repository.findThread(thread.id) ?? thread)
  })

  fastify.get('/:id/messages', {
    schema: {
      tags: ['Messages'],
      summary: 'List a thread\'s messages, newest first',
      params: IdParamsSchema,
      querystring: PageQuerySchema,
      response: { 200: MessagePageSchema, ...errorResponses(400, 401, 403, 404, 503) }
    }
  }, async (request) => {
    const thread = await access.visibleThread(request.caller!, request.params.id)
    const page = pageFromQuery(request.query)
    const messages = await repository.listMessages(request.params.id, { ...page, limit: page.limit + 1 })
    const { page: items, next_cursor } = withNextCursor(messages, page.limit)
    return { messages: await renderView.messages(items, thread), next_cursor }
  })

  fastify.delete('/:id', {
    schema: {
      tags: ['Threads'],
      summary: 'Delete a thread, its messages and their render objects',
      description: 'A user token: the thread\'s creator only.',
      params: IdParamsSchema,
      querystring: TokenQuerySchema,
      response: { 200: ThreadDeletedSchema, ...errorResponses(400, 401, 403, 404, 503) }
    }
  }, async (request) => {
    await access.managedThread(request.caller!, request.params.id)
    const deleted = await messageDeletion.deleteThread(request.params.id, (err) => {
      request.log.warn({ err }, 'render objects stay queued for deletion')
    })
    if (deleted === null) throw notFound('Thread')
    return {
      status: 'deleted' as const,
      id: deleted.thread.id,
      messages_deleted: deleted.messages.length,
      renders_deleted: deleted.messages.reduce((count, message) => count + message.renders.length, 0)
    }
  })

  fastify.post('/:id/members', {
    schema: {
      tags: ['Threads'],
      summary: 'Add a member (the thread\'s creator; idempotent)',
      params: IdParamsSchema,
      body: MemberBodySchema,
      response: { 200: ThreadSchema, ...errorResponses(400, 401, 403, 404, 503) }
    }
  }, async (request) => {
    await access.managedThread(request.caller!, request.params.id)
    const thread = await repository.addThreadMember(request.params.id, request.body.user_id)
    if (thread === null) throw notFound('Thread')
    return threadJson(thread)
  })

  fastify.delete('/:id/members/:user_id', {
    schema: {
      tags: ['Threads'],
      summary: 'Remove a member (the thread\'s creator; the creator stays)',
      params: Type.Object({ id: IdParamsSchema.properties.id, user_id: MemberBodySchema.properties.user_id }),
      querystring: TokenQuerySchema,
      response: { 200: ThreadSchema, ...errorResponses(400, 401, 403, 404, 409, 503) }
    }
  }, async (request) => {
    const current = await access.managedThread(request.caller!, request.params.id)
    if (current.created_by === request.params.user_id) throw conflict('The thread\'s creator stays a member')
    const thread = await repository.removeThreadMember(request.params.id, request.params.user_id)
    if (thread === null) throw notFound('Thread')
    return threadJson(thread)
  })
}

export default threadRoutes
