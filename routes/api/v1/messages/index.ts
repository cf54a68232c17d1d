import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses, IdParamsSchema, TokenQuerySchema } from '../../../../schemas/common.js'
import {
  AttachRenderSchema, CreateMessageSchema, MessageDeletedSchema, MessageSchema, RenderAttachedSchema
} from '../../../../schemas/messages.js'
import { monotonicNow } from '../../../../services/clock.js'
import { notFound, renderDeleted } from '../../../../services/errors.js'
import type { MessageDoc } from '../../../../services/repository/types.js'
import { newId } from '../../../../services/ids.js'

const messageRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const { repository, renderView, deletionQueue, keysOfMessage, renderAttacher } = fastify

  fastify.post('/', {
    schema: {
      tags: ['Messages'],
      summary: 'Create a message in a thread (renders are usually attached afterwards)',
      body: CreateMessageSchema,
      response: { 201: MessageSchema, ...errorResponses(400, 401, 404, 409, 422, 503) }
    }
  }, async (request, reply) => {
    const { body } = request
    if (await repository.findThread(body.parent_thread) === null) throw notFound('Thread')
    // Every render is checked before anything is written: a refused render refuses the message.
    const renders = await renderAttacher.resolveForNewMessage(body.renders ?? [])
    const now = monotonicNow()
    const message: MessageDoc = {
      id: newId(),
      parent_thread: body.parent_thread,
      user_id: body.user_id,
      snapshot: body.snapshot,
      snapshot_metadata: body.snapshot_metadata ?? null,
      renders,
      timestamp: body.timestamp !== undefined ? new Date(body.timestamp).toISOString() : now,
      created_at: now
    }
    const result = await repository.insertMessage(message)
    if (result === 'thread_not_found') throw notFound('Thread')
    if (result === 'render_deleted') throw renderDeleted()
    return reply.code(201).send(await renderView.message(message))
  })

  fastify.get('/:id', {
    schema: {
      tags: ['Messages'],
      summary: 'Get a message',
      params: IdParamsSchema,
      querystring: TokenQuerySchema,
      response: { 200: MessageSchema, ...errorResponses(400, 401, 404, 503) }
    }
  }, async (request) => {
    const message = await repository.findMessage(request.params.id)
    if (message === null) throw notFound('Message')
    return renderView.message(message)
  })

  fastify.delete('/:id', {
    schema: {
      tags: ['Messages'],
      summary: 'Delete a message and its render objects',
      description: 'Render objects are queued for deletion in the database with the message delete, then deleted; a storage outage only delays them.',
      params: IdParamsSchema,
      querystring: TokenQuerySchema,
      response: { 200: MessageDeletedSchema, ...errorResponses(400, 401, 404, 503) }
    }
  }, async (request) => {
    const deleted = await repository.deleteMessage(request.params.id, keysOfMessage, new Date().toISOString())
    if (deleted === null) throw notFound('Message')
    const { message, keys } = deleted
    await deletionQueue.deleteQueued(keys).catch((err: unknown) => {
      request.log.warn({ err }, 'render objects stay queued for deletion')
    })
    return { status: 'deleted' as const, id: message.id, renders_deleted: message.renders.length }
  })

  fastify.post('/:id/renders', {
    schema: {
      tags: ['Messages'],
      summary: 'Attach a render to a message (idempotent by render id)',
      params: IdParamsSchema,
      body: AttachRenderSchema,
      response: { 200: RenderAttachedSchema, ...errorResponses(400, 401, 404, 409, 422, 503) }
    }
  }, async (request) => {
    await renderAttacher.attach(request.params.id, request.body.render)
    return { status: 'render_attached' as const, message_id: request.params.id }
  })
}

export default messageRoutes
