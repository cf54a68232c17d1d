import fp from 'fastify-plugin'
import { createRenderDomain, type RenderDomain } from '../../services/render-domain.js'

declare module 'fastify' {
  interface FastifyInstance {
    deletionQueue: RenderDomain['deletionQueue']
    renderAttacher: RenderDomain['renderAttacher']
    renderView: RenderDomain['renderView']
    renderKeys: RenderDomain['renderKeys']
    renderAcl: RenderDomain['renderAcl']
    messageDeletion: RenderDomain['messageDeletion']
    directUploads: RenderDomain['directUploads']
    sweep: RenderDomain['sweep']
    analysisQueue: RenderDomain['analysisQueue']
    /** The time the render services and the lifecycle go by (tests move it; production reads the system clock). */
    clock: () => Date
  }
}

export interface ClockOptions {
  clock?: () => Date
}

/** The render domain services, built once from the storage and database decorators. */
export default fp<ClockOptions>(async function renderServicesPlugin (fastify, opts) {
  const { repository, storage, config, log } = fastify
  const clock = opts.clock ?? (() => new Date())
  const domain = createRenderDomain({ repository, storage, config, log, clock, events: fastify.renderMetrics })
  fastify.decorate('clock', clock)
  fastify.decorate('renderKeys', domain.renderKeys)
  fastify.decorate('renderAcl', domain.renderAcl)
  fastify.decorate('deletionQueue', domain.deletionQueue)
  fastify.decorate('renderAttacher', domain.renderAttacher)
  fastify.decorate('messageDeletion', domain.messageDeletion)
  fastify.decorate('directUploads', domain.directUploads)
  fastify.decorate('renderView', domain.renderView)
  fastify.decorate('sweep', domain.sweep)
  fastify.decorate('analysisQueue', domain.analysisQueue)
}, { name: 'render-services', dependencies: ['config', 'storage', 'repository', 'render-metrics'] })
