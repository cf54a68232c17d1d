import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import renderServiceApp from '../app.js'
import { loadConfig } from '../config.js'
import { serverOptions } from '../services/http/server-options.js'
import { signUserToken, type SignOptions } from '../services/auth/sign-user-token.js'
import { rendersPrefix, uploadsPrefix } from '../services/renders/render-keys.js'
import type { MessageDoc } from '../services/repository/types.js'
import type { MongoDbLike } from '../services/repository/mongo-like.js'
import type { SqliteRepository } from '../services/repository/sqlite-repository.js'
import { openTestMongoDb } from './support/test-mongo.js'

export const API_TOKEN = 'test-api-token-0123456789abcdef'
export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef'
export const bearer = (token = API_TOKEN) => ({ authorization: `Bearer ${token}` })
/** The HS256 secret every test app verifies user tokens with (unless a test overrides AUTH_JWT_SECRET). */
export const JWT_SECRET = 'test-jwt-secret-0123456789abcdef0123456789'

/** A user token for `userId`, valid for an hour, signed with the test apps' secret. */
export async function userToken (userId: string, options: Partial<SignOptions> = {}) {
  return signUserToken({ secret: JWT_SECRET, userId, ttlSeconds: 3600, ...options })
}

/** `Authorization: Bearer <user token>` for `userId`. */
export const userBearer = async (userId: string, options: Partial<SignOptions> = {}) => bearer(await userToken(userId, options))

interface Teardown { teardown (fn: () => unknown): void }

/**
 * Which repository the app runs on: SQLite (default), or with TEST_BACKEND=mongodb the MongoDB
 * implementation, over a real mongod when MONGODB_URL is set and the in-process engine otherwise.
 */
export const backend = process.env.TEST_BACKEND === 'mongodb' ? 'mongodb' : 'sqlite'

const mongoDbOf = new WeakMap<FastifyInstance, MongoDbLike>()

export interface TestApp {
  app: FastifyInstance
  dataDir: string
  /** The MongoDB database when the backend is mongodb. */
  mongoDb?: MongoDbLike
  /** Every log line the app wrote, as JSON text. */
  logs: string[]
}

/**
 * Builds the app exactly as server.ts does (same options, same plugins, real embedded S3 server
 * and SQLite file in a temporary DATA_DIR), and closes it after the test.
 */
export interface BuildOptions {
  clock?: () => Date
  /** Restart on the data of an earlier app: its DATA_DIR (SQLite file, embedded objects) and MongoDB database, kept afterwards. */
  reuse?: Pick<TestApp, 'dataDir' | 'mongoDb'>
}

export async function build (t: Teardown, overrides: Record<string, unknown> = {}, options: BuildOptions = {}): Promise<TestApp> {
  const dataDir = options.reuse?.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'render-service-test-'))
  const config = loadConfig({
    fromEnvironment: false,
    overrides: {
      DATA_DIR: dataDir,
      EMBEDDED_S3_PORT: 0,
      API_TOKEN,
      ADMIN_TOKEN,
      AUTH_JWT_SECRET: JWT_SECRET,
      LOG_LEVEL: 'info',
      CLEANUP_INTERVAL_SECONDS: 0,
      // The lifecycle tests sweep everything at once (older_than 0s).
      CLEANUP_MIN_AGE_SECONDS: 0,
      ...overrides
    }
  })
  const logs: string[] = []
  const mongo = options.reuse !== undefined
    ? (options.reuse.mongoDb === undefined ? undefined : { db: options.reuse.mongoDb, drop: async () => {} })
    : backend === 'mongodb' ? await openTestMongoDb() : undefined
  // A busy shared machine can take longer than Fastify's 10 s default to start every plugin.
  const app = Fastify({ ...serverOptions(config, { write: (line: string) => { logs.push(line) } }), pluginTimeout: 60_000 })
  await app.register(fp(renderServiceApp), { config, mongoDb: mongo?.db, clock: options.clock })
  t.teardown(async () => {
    await app.close()
    if (options.reuse !== undefined) return
    await mongo?.drop()
    fs.rmSync(dataDir, { recursive: true, force: true })
  })
  await app.ready()
  if (app.repository.kind !== backend) throw new Error(`the app runs on ${app.repository.kind}, not ${backend}`)
  if (mongo !== undefined) mongoDbOf.set(app, mongo.db)
  return { app, dataDir, logs, mongoDb: mongo?.db }
}

/** Starts listening on a random loopback port, for clients that need a real socket (fetch, browsers). */
export async function listen (app: FastifyInstance): Promise<string> {
  return app.listen({ host: '127.0.0.1', port: 0 })
}

/** Every stored key under the renders and uploads prefixes, across all list pages. */
export async function listStoredKeys (app: FastifyInstance): Promise<string[]> {
  const keys: string[] = []
  for (const prefix of [rendersPrefix(app.config.ENV), uploadsPrefix(app.config.ENV)]) {
    let startAfter: string | undefined
    for (;;) {
      const page = await app.storage.listObjects(prefix, startAfter)
      keys.push(...page.objects.map((object) => object.key))
      if (!page.isTruncated || page.objects.length === 0) break
      startAfter = page.objects[page.objects.length - 1].key
    }
  }
  return keys
}

export async function createThread (app: FastifyInstance, title = 'jam session') {
  const res = await app.inject({ method: 'POST', url: '/api/v1/threads', headers: bearer(), payload: { title, users: ['u1'] } })
  if (res.statusCode !== 201) throw new Error(`thread create failed: ${res.statusCode} ${res.body}`)
  return res.json<{ id: string }>()
}

export async function createMessage (app: FastifyInstance, threadId: string, extra: Record<string, unknown> = {}) {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/messages',
    headers: bearer(),
    payload: { parent_thread: threadId, user_id: 'u1', snapshot: { bpm: 120 }, renders: [], ...extra }
  })
  if (res.statusCode !== 201) throw new Error(`message create failed: ${res.statusCode} ${res.body}`)
  return res.json<{ id: string, created_at: string, renders: unknown[] }>()
}

/** The seed's multipart upload, over a real socket. */
export async function uploadAudio (baseUrl: string, file: Buffer, fields: Record<string, string> = {}, filename = 'render.mp3') {
  const form = new FormData()
  for (const [name, value] of Object.entries({ token: API_TOKEN, format: 'mp3', ...fields })) form.append(name, value)
  form.append('file', new Blob([new Uint8Array(file)], { type: 'audio/mpeg' }), filename)
  const res = await fetch(`${baseUrl}/api/v1/upload/audio`, { method: 'POST', body: form })
  return { status: res.status, body: await res.json() as Record<string, any> }
}

export async function requestUpload (app: FastifyInstance, body: Record<string, unknown>) {
  return app.inject({ method: 'POST', url: '/api/v1/uploads', headers: bearer(), payload: { format: 'mp3', ...body } })
}

export async function completeUpload (app: FastifyInstance, renderId: string, body: Record<string, unknown> = {}) {
  return app.inject({ method: 'POST', url: `/api/v1/uploads/${renderId}/complete`, headers: bearer(), payload: body })
}

/** PUTs bytes to a presigned URL as a phone or browser would: plain fetch with the returned headers. */
export async function putToStorage (upload: { url: string, headers: Record<string, string> }, body: Buffer, headerOverrides: Record<string, string> = {}) {
  return fetch(upload.url, { method: 'PUT', headers: { ...upload.headers, ...headerOverrides }, body: new Uint8Array(body) })
}

/** Writes a message straight into the database, bypassing the API (e.g. a legacy seed-shaped document). */
export async function writeLegacyMessage (app: FastifyInstance, message: Omit<MessageDoc, 'renders'> & { renders: Array<Record<string, unknown>> }) {
  const mongoDb = mongoDbOf.get(app)
  if (mongoDb !== undefined) {
    await mongoDb.collection('messages').insertOne({ ...message })
    await mongoDb.collection('threads').updateOne({ id: message.parent_thread }, { $push: { messages: message.id } })
    return
  }
  const { db } = app.repository as SqliteRepository
  db.prepare(`INSERT INTO messages (id, parent_thread, user_id, snapshot, snapshot_metadata, renders, timestamp, created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(message.id, message.parent_thread, message.user_id, JSON.stringify(message.snapshot),
    message.snapshot_metadata === null ? null : JSON.stringify(message.snapshot_metadata), JSON.stringify(message.renders),
    message.timestamp, message.created_at)
}

/** How many render records exist, in any state. */
export async function countRenderRecords (app: FastifyInstance) {
  const states = ['pending', 'verifying', 'ready', 'attaching', 'attached', 'deleting'] as const
  return app.repository.countStaleRenders({ states: [...states], field: 'created_at', before: '9999-12-31T00:00:00.000Z' })
}
