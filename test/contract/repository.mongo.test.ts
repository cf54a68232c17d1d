import { randomUUID } from 'node:crypto'
import t from 'tap'
import { MongoClient } from 'mongodb'
import { createMongoRepository, ensureMongoIndexes } from '../../services/repository/mongo-repository.js'
import type { MongoDbLike } from '../../services/repository/mongo-like.js'
import { runRepositoryContract } from './repository-contract.js'

const url = process.env.MONGODB_URL

if (url === undefined) {
  t.plan(0, 'set MONGODB_URL to a real mongod to run the MongoDB contract (docker compose up -d mongo)')
} else {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 5000 })
  t.before(() => client.connect())
  t.teardown(() => client.close())

  runRepositoryContract(t, async () => {
    const db = client.db(`render_service_contract_${randomUUID().slice(0, 8)}`)
    await ensureMongoIndexes(db as unknown as MongoDbLike)
    return {
      repository: createMongoRepository(db as unknown as MongoDbLike),
      async writeRawMessage (doc) { await db.collection('messages').insertOne({ ...doc }) },
      async cleanup () { await db.dropDatabase() }
    }
  })
}
