import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { newRenderRecord } from '../../services/renders/render-record.js'
import { openSqliteRepository } from '../../services/repository/sqlite-repository.js'
import { runRepositoryContract } from './repository-contract.js'

function tempFile () {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'render-sqlite-'))
  return { file: path.join(dir, 'db.sqlite'), remove: () => fs.rmSync(dir, { recursive: true, force: true }) }
}

runRepositoryContract(t, async () => {
  const { file, remove } = tempFile()
  const repository = openSqliteRepository(file)
  return {
    repository,
    async writeRawMessage (doc) {
      repository.db.prepare(`INSERT INTO messages (id, parent_thread, user_id, snapshot, snapshot_metadata, renders, timestamp, created_at)
        VALUES (@id, @parent_thread, @user_id, json(@snapshot), @snapshot_metadata, json(@renders), @timestamp, @created_at)`)
        .run({ ...doc, snapshot: JSON.stringify(doc.snapshot), renders: JSON.stringify(doc.renders) })
    },
    async cleanup () {
      await repository.close()
      remove()
    }
  }
})

t.test('two connections to one file (server and CLI) share the lease and the data', async (t) => {
  const { file, remove } = tempFile()
  const server = openSqliteRepository(file)
  const cli = openSqliteRepository(file)
  t.teardown(async () => { await server.close(); await cli.close(); remove() })
  t.equal(server.db.pragma('journal_mode', { simple: true }), 'wal')
  const now = new Date().toISOString()
  const later = new Date(Date.now() + 60_000).toISOString()
  t.equal(await server.acquireLease('sweep', 'server', now, later), true)
  t.equal(await cli.acquireLease('sweep', 'cli', now, later), false, 'the CLI sees the server\'s lease')
  await server.insertRender(newRenderRecord({ id: 'x', key: 'dev/renders/x.mp3', state: 'deleting', created_at: now, next_attempt_at: now }))
  t.equal(await cli.countDeletions(), 1, 'and its writes')
})
