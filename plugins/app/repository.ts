import path from 'node:path'
import fp from 'fastify-plugin'
import fastifyMongodb from '@fastify/mongodb'
import { openSqliteRepository } from '../../services/repository/sqlite-repository.js'
import { createMongoRepository, ensureMongoIndexes } from '../../services/repository/mongo-repository.js'
import type { MongoDbLike } from '../../services/repository/mongo-like.js'
import type { Repository } from '../../services/repository/types.js'
import { ConfigError } from '../../config.js'

/** Where the embedded database lives. */
export const sqliteFileOf = (dataDir: string) => path.join(dataDir, 'render-service.sqlite')

declare module 'fastify' {
  interface FastifyInstance {
    repository: Repository
  }
}

export interface RepositoryPluginOptions {
  /** A database handle to use instead of connecting to MONGODB_URL: the tests' in-process MongoDB engine. */
  mongoDb?: MongoDbLike
}

/** A driver message may quote the URL it was given; its user and password stay out of the log. */
const withoutCredentials = (message: string) => message.replace(/\/\/[^@/\s]*@/g, '//')

/** MongoDB when MONGODB_URL is set (production); otherwise an embedded SQLite file under DATA_DIR. */
export default fp<RepositoryPluginOptions>(async function repositoryPlugin (fastify, opts) {
  const { MONGODB_URL, DATA_DIR } = fastify.config
  let repository: Repository
  if (opts.mongoDb !== undefined) {
    await ensureMongoIndexes(opts.mongoDb)
    repository = createMongoRepository(opts.mongoDb)
  } else if (MONGODB_URL !== undefined) {
    let db
    try {
      await fastify.register(fastifyMongodb, { url: MONGODB_URL, forceClose: true })
      db = fastify.mongo.db
      if (db !== undefined) await ensureMongoIndexes(db as unknown as MongoDbLike)
    } catch (err) {
      throw new ConfigError(`Cannot start: the MongoDB at MONGODB_URL cannot be used (${withoutCredentials((err as Error).message)}). Check its host, credentials and database`)
    }
    if (db === undefined) throw new ConfigError('Invalid configuration: MONGODB_URL must name a database, e.g. mongodb://host:27017/renders')
    repository = createMongoRepository(db as unknown as MongoDbLike)
  } else {
    repository = openSqliteRepository(sqliteFileOf(DATA_DIR))
    fastify.addHook('onClose', async () => repository.close())
  }
  fastify.decorate('repository', repository)
}, { name: 'repository', dependencies: ['config'] })
