import { randomUUID } from 'node:crypto'
import { MongoClient } from 'mongodb'
import type { MongoDbLike } from '../../services/repository/mongo-like.js'
import { createMingoDb } from './mingo-db.js'

/**
 * A fresh MongoDB database for one test: on the real server named by MONGODB_URL when it is set,
 * otherwise the in-process engine (mingo) with MongoDB's query and update semantics.
 */
export async function openTestMongoDb (): Promise<{ db: MongoDbLike, drop: () => Promise<void> }> {
  const url = process.env.MONGODB_URL
  if (url === undefined) return { db: createMingoDb(), drop: async () => {} }
  const client = await new MongoClient(url, { serverSelectionTimeoutMS: 5000 }).connect()
  const db = client.db(`render_service_test_${randomUUID().slice(0, 8)}`)
  return {
    db: db as unknown as MongoDbLike,
    async drop () {
      await db.dropDatabase()
      await client.close()
    }
  }
}
