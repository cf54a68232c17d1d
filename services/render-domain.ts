import type { FastifyBaseLogger } from 'fastify'
import type { AppConfig } from '../config.js'
import { createDeletionQueue } from './deletion/deletion-queue.js'
import { createSweeper } from './lifecycle/sweeper.js'
import { createRenderAttacher } from './renders/attach-render.js'
import { createMessageDeletion } from './renders/message-deletion.js'
import { createRenderKeys } from './renders/render-keys.js'
import { createRenderView } from './renders/render-view.js'
import type { Repository } from './repository/types.js'
import type { ObjectStorage } from './storage/types.js'
import { createDirectUploads } from './uploads/direct-upload.js'

export interface RenderDomainDeps {
  repository: Repository
  storage: ObjectStorage
  config: AppConfig
  log: FastifyBaseLogger
  clock: () => Date
}

/** Every render service, wired once over one repository, one storage and one clock. */
export function createRenderDomain ({ repository, storage, config, log, clock }: RenderDomainDeps) {
  const renderKeys = createRenderKeys(storage, config.ENV, config.LEGACY_PUBLIC_BASES)
  const deletionQueue = createDeletionQueue({ repository, storage, renderKeys, env: config.ENV, log, clock })
  const renderAttacher = createRenderAttacher({ repository, storage, config, clock })
  const messageDeletion = createMessageDeletion({ repository, renderKeys, deletionQueue, clock })
  return {
    renderKeys,
    deletionQueue,
    renderAttacher,
    messageDeletion,
    directUploads: createDirectUploads({ repository, storage, deletionQueue, renderAttacher, config, clock }),
    renderView: createRenderView(storage, config),
    sweep: createSweeper({ repository, storage, deletionQueue, renderAttacher, messageDeletion, renderKeys, env: config.ENV, log, clock })
  }
}

export type RenderDomain = ReturnType<typeof createRenderDomain>
