import t from 'tap'
import { createMongoRepository, ensureMongoIndexes } from '../../services/repository/mongo-repository.js'
import { createMingoDb } from '../support/mingo-db.js'
import { runRepositoryContract } from './repository-contract.js'

// The MongoDB repository's own filters and update documents, evaluated by mingo (MongoDB semantics).
runRepositoryContract(t, async () => {
  const db = createMingoDb()
  await ensureMongoIndexes(db)
  return {
    repository: createMongoRepository(db),
    async writeRawMessage (doc) { await db.collection('messages').insertOne(doc) },
    async cleanup () {}
  }
})
