import path from 'node:path'
import fastifyAutoload from '@fastify/autoload'
import type { FastifyInstance } from 'fastify'
import configPlugin, { type ConfigPluginOptions } from './plugins/config.js'
import type { RepositoryPluginOptions } from './plugins/app/repository.js'
import type { ClockOptions } from './plugins/app/render-services.js'
import { handleError, handleNotFound } from './services/http/error-handler.js'

export type AppOptions = ConfigPluginOptions & RepositoryPluginOptions & ClockOptions

/** The root plugin: configuration, external plugins, our plugins, then the autoloaded routes. */
export default async function renderServiceApp (fastify: FastifyInstance, opts: AppOptions) {
  // Before any plugin: child contexts copy the error handler they are registered with.
  fastify.setErrorHandler(handleError)
  await fastify.register(configPlugin, opts)

  await fastify.register(fastifyAutoload, {
    dir: path.join(import.meta.dirname, 'plugins/external'),
    options: {}
  })
  await fastify.register(fastifyAutoload, {
    dir: path.join(import.meta.dirname, 'plugins/app'),
    options: { mongoDb: opts.mongoDb, clock: opts.clock }
  })
  await fastify.register(fastifyAutoload, {
    dir: path.join(import.meta.dirname, 'routes'),
    autoHooks: true,
    cascadeHooks: true,
    options: {}
  })

  fastify.setNotFoundHandler(handleNotFound)
}
