import fp from 'fastify-plugin'
import { createDeletionQueue, type DeletionQueue } from '../../services/deletion/deletion-queue.js'
import { createRenderAttacher, type RenderAttacher } from '../../services/renders/attach-render.js'
import { keysOfMessage } from '../../services/renders/render-keys.js'
import { createRenderView, type RenderView } from '../../services/renders/render-view.js'
import type { KeysOfMessage } from '../../services/repository/types.js'
import { createDirectUploads, type DirectUploads } from '../../services/uploads/direct-upload.js'

declare module 'fastify' {
  interface FastifyInstance {
    deletionQueue: DeletionQueue
    renderAttacher: RenderAttacher
    renderView: RenderView
    keysOfMessage: KeysOfMessage
    directUploads: DirectUploads
  }
}

/** The render domain services, built once from the storage and database decorators. */
export default fp(async function renderServicesPlugin (fastify) {
  const { repository, storage, config, log } = fastify
  const deletionQueue = createDeletionQueue({ repository, storage, log })
  const renderAttacher = createRenderAttacher({ repository, storage, config })
  fastify.decorate('deletionQueue', deletionQueue)
  fastify.decorate('renderAttacher', renderAttacher)
  fastify.decorate('directUploads', createDirectUploads({ repository, storage, deletionQueue, renderAttacher, config }))
  fastify.decorate('renderView', createRenderView(storage, config))
  fastify.decorate('keysOfMessage', keysOfMessage(storage, config.ENV))
}, { name: 'render-services', dependencies: ['config', 'storage', 'repository'] })
