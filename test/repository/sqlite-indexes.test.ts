import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import t from 'tap'
import { openSqliteRepository } from '../../services/repository/sqlite-repository.js'

function tempFile (t: { teardown (fn: () => void): void }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sqlite-indexes-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  return path.join(dir, 'renders.sqlite')
}

const renderIndexes = (db: Database.Database) =>
  (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'renders' AND sql IS NOT NULL ORDER BY name").pluck().all() as string[])

const EXPECTED_INDEX = [
  'renders_by_state_expiry', 'renders_ready_by_created', 'renders_attaching_by_updated', 'renders_ready_by_created',
  'renders_deleting_due', 'renders_of_messages', 'renders_of_uploaders'
]

t.test('the sweeper, the deletion worker and the quota find renders through their index, not a scan of the table', async (t) => {
  const repository = openSqliteRepository(tempFile(t))
  t.teardown(() => repository.close())
  const statements: string[] = []
  const prepare = repository.db.prepare.bind(repository.db)
  repository.db.prepare = ((sql: string) => { statements.push(sql); return prepare(sql) }) as typeof repository.db.prepare
  const before = new Date().toISOString()
  await repository.findStaleRenders({ states: ['pending', 'verifying'], field: 'expires_at', before }, 10)
  await repository.findStaleRenders({ states: ['ready'], field: 'created_at', before, unattachedOnly: true }, 10)
  await repository.findStaleRenders({ states: ['attaching'], field: 'updated_at', before }, 10)
  await repository.countStaleRenders({ states: ['ready'], field: 'created_at', before, unattachedOnly: true })
  await repository.claimDueDeletions(before, 'worker', before, 10)
  await repository.rendersOfMessages(['m1', 'm2'], ['attaching', 'attached'])
  await repository.storedBytesOf('alice')
  t.equal(statements.length, 7, 'each call prepared its statement')
  for (const [index, sql] of statements.entries()) {
    const plan = (prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...sql.split('?').slice(1).map(() => null)) as Array<{ detail: string }>).map((row) => row.detail)
    t.notOk(plan.some((detail) => /^SCAN renders\b/.test(detail)), `${sql.replace(/\s+/g, ' ').slice(0, 80)}… → ${plan.join(' | ')}`)
    t.ok(plan.some((detail) => detail.includes(`INDEX ${EXPECTED_INDEX[index]} `)), `uses ${EXPECTED_INDEX[index]}`)
  }
})

t.test('a database with the earlier full indexes gets the partial ones on open, its rows intact', async (t) => {
  const file = tempFile(t)
  openSqliteRepository(file).close()
  const db = new Database(file)
  db.exec(`DROP INDEX renders_ready_by_created; DROP INDEX renders_attaching_by_updated; DROP INDEX renders_of_messages;
    DROP INDEX renders_deleting_due; DROP INDEX renders_of_uploaders;
    CREATE INDEX renders_by_state_created ON renders (state, created_at); CREATE INDEX renders_by_state_updated ON renders (state, updated_at);
    CREATE INDEX renders_by_message ON renders (message_id); CREATE INDEX renders_due ON renders (state, next_attempt_at);
    CREATE INDEX renders_by_uploader ON renders (uploaded_by, state);
    INSERT INTO renders (id, key, state, format, content_type, created_at, updated_at) VALUES ('r1', 'dev/renders/r1.mp3', 'ready', 'mp3', 'audio/mpeg', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')`)
  db.close()

  const repository = openSqliteRepository(file)
  t.teardown(() => repository.close())
  t.same(renderIndexes(repository.db), [
    'renders_attaching_by_updated', 'renders_by_state_expiry', 'renders_by_upload_key', 'renders_deleting_due',
    'renders_of_messages', 'renders_of_uploaders', 'renders_ready_by_created'
  ])
  t.match(await repository.findRender('r1'), { id: 'r1', state: 'ready' })
  t.same((await repository.findStaleRenders({ states: ['ready'], field: 'created_at', before: '2026-02-01T00:00:00.000Z', unattachedOnly: true }, 10)).map((r) => r.id), ['r1'],
    'and the sweeper finds it through the new index')
})
