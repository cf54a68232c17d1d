import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses, IdParamsSchema, TokenQuerySchema } from '../../../../schemas/common.js'
import {
  AttachRenderSchema, CreateMessageSchema, MessageDeletedSchema, MessageSchema, RenderAttachedSchema
} from '../../../../schemas/messages.js'
import { monotonicNow } from '../../../../services/clock.js'
import { notFound } from '../../../../services/errors.js'
import { newId } from '../../../../services/ids.js'

const messageRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const { renderView, messageDeletion, renderAttacher, access } = fastify

  fastify.post('/', {
    schema: {
      tags: ['Messages'],
      summary: 'Create a message in a thread (renders are usually attached afterwards)',
      body: CreateMessageSchema,
      description: 'A member of the thread posts as themselves: with a user token, `user_id` must be its user (403 otherwise).',
      response: { 201: MessageSchema, ...errorResponses(400, 401, 403, 404, 409, 422, 503) }
    }
  }, async (request, reply) => {
    const { body } = request
    const caller = request.caller!
    await access.visibleThread(caller, body.parent_thread)
    const author = access.authorOf(caller, body.user_id)
    await access.checkOwnRenders(caller, body.renders ?? [])
    const now = monotonicNow()
    const message = await renderAttacher.createMessage({
      id: newId(),
      parent_thread: body.parent_thread,
      user_id: author,
      snapshot: body.snapshot,
      snapshot_metadata: body.snapshot_metadata ?? null,
      renders: [],
      timestamp: body.timestamp ?? now,
      created_at: now
    }, body.renders ?? [])
    return reply.code(201).send(await renderView.message(message))
  })

  fastify.get('/:id', {
    schema: {
      tags: ['Messages'],
      summary: 'Get a message',
      params: IdParamsSchema,
      querystring: TokenQuerySchema,
      response: { 200: MessageSchema, ...errorResponses(400, 401, 403, 404, 503) }
    }
  }, async (request) => renderView.message(await access.visibleMessage(request.caller!, request.params.id)))

  fastify.delete('/:id', {
    schema: {
      tags: ['Messages'],
      summary: 'Delete a message and its render objects (its author)',
      description: 'The message is marked deleted first (nothing can be attached to it from then on); its renders and the uploads made for it are handed to the deletion worker, which deletes their objects now or, after a storage outage, later.',
      params: IdParamsSchema,
      querystring: TokenQuerySchema,
      response: { 200: MessageDeletedSchema, ...errorResponses(400, 401, 403, 404, 503) }
    }
  }, async (request) => {
    await access.authoredMessage(request.caller!, request.params.id)
    const message = await messageDeletion.deleteMessage(request.params.id, (err) => {
      request.log.warn({ err }, 'render objects stay queued for deletion')
    })
    if (message === null) throw notFound('Message')
    return { status: 'deleted' as const, id: message.id, renders_deleted: message.renders.length }
  })

  fastify.post('/:id/renders', {
    schema: {
      tags: ['Messages'],
      summary: 'Attach a render to a message (idempotent by render id)',
      description: 'With a user token: the message\'s author, with a render they uploaded.',
      params: IdParamsSchema,
      body: AttachRenderSchema,
      response: { 200: RenderAttachedSchema, ...errorResponses(400, 401, 403, 404, 409, 422, 503) }
    }
  }, async (request) => {
    await access.authoredMessage(request.caller!, request.params.id)
    await access.checkOwnRenders(request.caller!, [request.body.render])
    await renderAttacher.attach(request.params.id, request.body.render)
    return { status: 'render_attached' as const, message_id: request.params.id }
  })
}

export default messageRoutes
