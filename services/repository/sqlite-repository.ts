import Database from 'better-sqlite3'
import { migrateSqlite, type MessageRow, type ThreadRow } from './sqlite-schema.js'
import { LIVE_STATES, RENDER_STATES, type AnalysisRecord, type MessageDoc, type Page, type RenderDoc, type RenderRecord, type Repository, type StaleQuery, type ThreadDoc } from './types.js'

/** Keeps IN (...) lists well under SQLite's bound-parameter limit. */
const CHUNK = 400

function chunks<T> (items: T[]): T[][] {
  const result: T[][] = []
  for (let i = 0; i < items.length; i += CHUNK) result.push(items.slice(i, i + CHUNK))
  return result
}

const RENDER_STATE_SET = new Set<string>(RENDER_STATES)

/** A render state as an SQL literal; anything else is refused (states are ours, never a client's). */
function stateLiteral (state: string) {
  if (!RENDER_STATE_SET.has(state)) throw new Error(`not a render state: ${state}`)
  return `'${state}'`
}

const placeholders = (count: number) => Array(count).fill('?').join(',')

const RENDER_COLUMNS = ['id', 'key', 'upload_key', 'state', 'format', 'content_type', 'declared_size', 'size_bytes', 'bitrate', 'duration',
  'message_id', 'expires_at', 'created_at', 'updated_at', 'attempts', 'next_attempt_at', 'last_error', 'claimed_by', 'acl', 'uploaded_by'] as const
const RENDER_COLUMN_SET = new Set<string>(RENDER_COLUMNS)

const ANALYSIS_COLUMNS = ['render_id', 'key', 'format', 'state', 'attempts', 'next_attempt_at', 'claimed_by', 'last_error', 'duration',
  'sample_rate', 'channels', 'peak_dbfs', 'loudness_lufs', 'created_at', 'updated_at'] as const
const ANALYSIS_COLUMN_SET = new Set<string>(ANALYSIS_COLUMNS)

function messageFromRow (row: MessageRow): MessageDoc {
  return {
    id: row.id,
    parent_thread: row.parent_thread,
    user_id: row.user_id,
    snapshot: JSON.parse(row.snapshot),
    snapshot_metadata: row.snapshot_metadata === null ? null : JSON.parse(row.snapshot_metadata),
    renders: JSON.parse(row.renders) as RenderDoc[],
    timestamp: row.timestamp,
    created_at: row.created_at,
    deleted_at: row.deleted_at
  }
}

/**
 * Group commit: writes queued in the same event-loop turn share one transaction, so concurrent
 * requests pay for one WAL commit instead of one each. Each write is a single statement, and SQLite
 * rolls back a failed statement alone, so a failing write fails only its own caller.
 */
function groupCommit (db: Database.Database) {
  let queue: Array<{ write: () => unknown, resolve: (value: unknown) => void, reject: (err: unknown) => void }> = []
  const commitBatch = db.transaction((batch: typeof queue) => batch.map((item) => {
    try {
      return { value: item.write() }
    } catch (err) {
      return { err }
    }
  }))
  function flush () {
    const batch = queue
    queue = []
    let results: Array<{ value?: unknown, err?: unknown }>
    try {
      results = commitBatch.immediate(batch)
    } catch (err) {
      for (const item of batch) item.reject(err)
      return
    }
    batch.forEach((item, index) => {
      const result = results[index]
      if ('err' in result) item.reject(result.err)
      else item.resolve(result.value)
    })
  }
  return <T>(write: () => T) => new Promise<T>((resolve, reject) => {
    queue.push({ write, resolve: resolve as (value: unknown) => void, reject })
    if (queue.length === 1) setImmediate(flush)
  })
}

export type SqliteRepository = Repository & { readonly db: Database.Database }

/** The embedded database: one SQLite file in WAL mode, shareable by several processes (servers, the CLI). */
export function openSqliteRepository (file: string): SqliteRepository {
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.pragma('busy_timeout = 5000')
  migrateSqlite(db)

  const statements = new Map<string, Database.Statement>()
  /** Prepares each SQL text once: preparing costs more than running these statements. */
  function prepared<P extends unknown[] | {} = unknown[], R = unknown> (sql: string): Database.Statement<P, R> {
    let statement = statements.get(sql)
    if (statement === undefined) statements.set(sql, statement = db.prepare(sql))
    return statement as Database.Statement<P, R>
  }
  const commitTogether = groupCommit(db)
  const inTransaction = <T>(work: () => T): T => db.transaction(work).immediate()

  const liveMessageIds = db.prepare<[string], { id: string }>('SELECT id FROM messages WHERE parent_thread = ? AND deleted_at IS NULL ORDER BY created_at, id')
  const selectRender = db.prepare<[string], RenderRecord>('SELECT * FROM renders WHERE id = ?')

  function threadFromRow (row: ThreadRow): ThreadDoc {
    return {
      id: row.id,
      title: row.title,
      users: JSON.parse(row.users),
      messages: liveMessageIds.all(row.id).map(({ id }) => id),
      created_at: row.created_at,
      deleted_at: row.deleted_at,
      visibility: row.visibility,
      renders_acl_pending: row.renders_acl_pending === 1,
      created_by: row.created_by
    }
  }

  function keysetPage (table: 'threads' | 'messages', where: string, params: unknown[], page: Page) {
    const before = page.before === undefined ? '' : 'AND (created_at < ? OR (created_at = ? AND id < ?))'
    const beforeParams = page.before === undefined ? [] : [page.before.created_at, page.before.created_at, page.before.id]
    return prepared(`SELECT * FROM ${table} WHERE deleted_at IS NULL ${where} ${before} ORDER BY created_at DESC, id DESC LIMIT ?`)
      .all(...params, ...beforeParams, page.limit)
  }

  /** `SET a = ?, b = ?` from a partial record; only known columns. */
  function assignments (set: Partial<RenderRecord>) {
    const entries = Object.entries(set).filter(([name]) => RENDER_COLUMN_SET.has(name))
    return { sql: entries.map(([name]) => `${name} = ?`).join(', '), params: entries.map(([, value]) => value) }
  }

  /** States are written as literals, not bound, so that a partial index on `state = '…'` can serve the query. */
  function staleWhere (query: StaleQuery) {
    const states = query.states.map(stateLiteral)
    return {
      sql: `${states.length === 1 ? `state = ${states[0]}` : `state IN (${states.join(', ')})`} AND ${query.field} < ?${query.unattachedOnly === true ? ' AND message_id IS NULL' : ''}`,
      params: [query.before]
    }
  }

  const repository: SqliteRepository = {
    kind: 'sqlite',
    db,

    async ping () { prepared('SELECT 1').get() },
    async close () { db.close() },

    async insertThread (thread) {
      prepared('INSERT INTO threads (id, title, users, created_at, created_by, visibility, renders_acl_pending) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(thread.id, thread.title, JSON.stringify(thread.users), thread.created_at, thread.created_by ?? null,
          thread.visibility ?? 'public', thread.renders_acl_pending === true ? 1 : 0)
    },

    async findThread (id) {
      const row = prepared<[string], ThreadRow>('SELECT * FROM threads WHERE id = ? AND deleted_at IS NULL').get(id)
      return row === undefined ? null : threadFromRow(row)
    },

    async listThreads (page, memberId) {
      if (memberId === undefined) return (keysetPage('threads', '', [], page) as ThreadRow[]).map(threadFromRow)
      return (keysetPage('threads', 'AND EXISTS (SELECT 1 FROM json_each(threads.users) WHERE value = ?)', [memberId], page) as ThreadRow[])
        .map(threadFromRow)
    },

    async addThreadMember (threadId, userId) {
      const row = prepared<[{ user: string, thread: string }], ThreadRow>(`UPDATE threads SET users = CASE
          WHEN EXISTS (SELECT 1 FROM json_each(threads.users) WHERE value = @user) THEN users ELSE json_insert(users, '$[#]', @user) END
        WHERE id = @thread AND deleted_at IS NULL RETURNING *`).get({ user: userId, thread: threadId })
      return row === undefined ? null : threadFromRow(row)
    },

    async removeThreadMember (threadId, userId) {
      const row = prepared<[{ user: string, thread: string }], ThreadRow>(`UPDATE threads SET users =
          (SELECT json_group_array(value) FROM (SELECT value FROM json_each(threads.users) WHERE value != @user ORDER BY key))
        WHERE id = @thread AND deleted_at IS NULL RETURNING *`).get({ user: userId, thread: threadId })
      return row === undefined ? null : threadFromRow(row)
    },

    async markThreadDeleting (id, now) {
      const row = prepared<[string, string], ThreadRow>('UPDATE threads SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL RETURNING *').get(now, id)
      return row === undefined ? null : threadFromRow(row)
    },

    async setThreadVisibility (id, visibility) {
      const row = prepared<[string, string], ThreadRow>(`UPDATE threads SET visibility = ?, renders_acl_pending = 1
        WHERE id = ? AND deleted_at IS NULL RETURNING *`).get(visibility, id)
      return row === undefined ? null : threadFromRow(row)
    },

    async finishThreadAcl (id, visibility) {
      return prepared(`UPDATE threads SET renders_acl_pending = 0
        WHERE id = ? AND visibility = ? AND renders_acl_pending = 1 AND deleted_at IS NULL`).run(id, visibility).changes === 1
    },

    async threadsWithPendingAcl (limit) {
      return prepared<[number], ThreadRow>('SELECT * FROM threads WHERE renders_acl_pending = 1 AND deleted_at IS NULL ORDER BY created_at LIMIT ?')
        .all(limit).map(threadFromRow)
    },

    async addMessageToThread (threadId) {
      // The thread's message list is derived from the messages table; the write only confirms the thread is live.
      return prepared('UPDATE threads SET id = id WHERE id = ? AND deleted_at IS NULL').run(threadId).changes === 1
    },

    async removeThread (id) {
      prepared('DELETE FROM threads WHERE id = ?').run(id)
    },

    async unfinishedThreadDeletes (before, limit) {
      return prepared<[string, number], ThreadRow>('SELECT * FROM threads WHERE deleted_at IS NOT NULL AND deleted_at < ? ORDER BY deleted_at LIMIT ?')
        .all(before, limit).map(threadFromRow)
    },

    async insertMessage (message) {
      prepared(`INSERT INTO messages (id, parent_thread, user_id, snapshot, snapshot_metadata, renders, timestamp, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(
        message.id, message.parent_thread, message.user_id, JSON.stringify(message.snapshot),
        message.snapshot_metadata === null ? null : JSON.stringify(message.snapshot_metadata),
        JSON.stringify(message.renders), message.timestamp, message.created_at
      )
    },

    async findMessage (id) {
      const row = prepared<[string], MessageRow>('SELECT * FROM messages WHERE id = ? AND deleted_at IS NULL').get(id)
      return row === undefined ? null : messageFromRow(row)
    },

    async listMessages (threadId, page) {
      return (keysetPage('messages', 'AND parent_thread = ?', [threadId], page) as MessageRow[]).map(messageFromRow)
    },

    async messagesOfThread (threadId) {
      return prepared<[string], MessageRow>('SELECT * FROM messages WHERE parent_thread = ?').all(threadId).map(messageFromRow)
    },

    async markMessageDeleting (id, now) {
      const row = prepared<[string, string], MessageRow>('UPDATE messages SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL RETURNING *').get(now, id)
      return row === undefined ? null : messageFromRow(row)
    },

    async markThreadMessagesDeleting (threadId, now) {
      prepared('UPDATE messages SET deleted_at = ? WHERE parent_thread = ? AND deleted_at IS NULL').run(now, threadId)
    },

    async pushRender (messageId, render) {
      return inTransaction(() => {
        const row = prepared<[string], { renders: string }>('SELECT renders FROM messages WHERE id = ? AND deleted_at IS NULL').get(messageId)
        if (row === undefined) return 'no_message' as const
        const renders = JSON.parse(row.renders) as RenderDoc[]
        if (renders.some((existing) => existing.id === render.id)) return 'present' as const
        prepared('UPDATE messages SET renders = ? WHERE id = ?').run(JSON.stringify([...renders, render]), messageId)
        return 'pushed' as const
      })
    },

    async setRenderKey (messageId, renderId, key) {
      inTransaction(() => {
        const row = prepared<[string], { renders: string }>('SELECT renders FROM messages WHERE id = ?').get(messageId)
        if (row === undefined) return
        const renders = (JSON.parse(row.renders) as RenderDoc[]).map((render) => render.id === renderId && render.key === undefined ? { ...render, key } : render)
        prepared('UPDATE messages SET renders = ? WHERE id = ?').run(JSON.stringify(renders), messageId)
      })
    },

    async removeMessages (messages) {
      inTransaction(() => {
        for (const part of chunks(messages.map((message) => message.id))) {
          prepared(`DELETE FROM messages WHERE id IN (${placeholders(part.length)})`).run(...part)
        }
      })
    },

    async unfinishedMessageDeletes (before, limit) {
      return prepared<[string, number], MessageRow>('SELECT * FROM messages WHERE deleted_at IS NOT NULL AND deleted_at < ? ORDER BY deleted_at LIMIT ?')
        .all(before, limit).map(messageFromRow)
    },

    async messagesWithUnkeyedRenders (afterId, limit) {
      return prepared<[string, number], MessageRow>(`SELECT * FROM messages WHERE id > ?
        AND EXISTS (SELECT 1 FROM json_each(messages.renders) AS r WHERE json_extract(r.value, '$.key') IS NULL)
        ORDER BY id LIMIT ?`).all(afterId ?? '', limit).map(messageFromRow)
    },

    async insertRender (record) {
      return commitTogether(() => prepared(`INSERT OR IGNORE INTO renders (${RENDER_COLUMNS.join(', ')})
        VALUES (${RENDER_COLUMNS.map((name) => `@${name}`).join(', ')})`).run(record).changes === 1)
    },

    async findRender (id) {
      return selectRender.get(id) ?? null
    },

    async findRenderByKey (key) {
      return prepared<[string], RenderRecord>('SELECT * FROM renders WHERE key = ?').get(key) ?? null
    },

    async updateRenderIf (id, expected, set) {
      const { sql, params } = assignments(set)
      const messageCondition = expected.message_id === undefined ? '' : expected.message_id === null ? ' AND message_id IS NULL' : ' AND message_id = ?'
      const messageParams = expected.message_id === undefined || expected.message_id === null ? [] : [expected.message_id]
      const updatedCondition = expected.updated_at === undefined ? '' : ' AND updated_at = ?'
      const updatedParams = expected.updated_at === undefined ? [] : [expected.updated_at]
      const aclCondition = expected.acl === undefined ? '' : expected.acl === null ? ' AND acl IS NULL' : ' AND acl = ?'
      const aclParams = expected.acl === undefined || expected.acl === null ? [] : [expected.acl]
      return prepared<unknown[], RenderRecord>(`UPDATE renders SET ${sql}
        WHERE id = ? AND state IN (${placeholders(expected.state.length)})${messageCondition}${updatedCondition}${aclCondition} RETURNING *`)
        .get(...params, id, ...expected.state, ...messageParams, ...updatedParams, ...aclParams) ?? null
    },

    async updateRendersOfMessages (messageIds, states, set) {
      const { sql, params } = assignments(set)
      return inTransaction(() => chunks(messageIds).reduce((count, part) => count +
        prepared(`UPDATE renders SET ${sql} WHERE message_id IN (${placeholders(part.length)}) AND state IN (${placeholders(states.length)})`)
          .run(...params, ...part, ...states).changes, 0))
    },

    async findStaleRenders (query, limit) {
      const where = staleWhere(query)
      return prepared<unknown[], RenderRecord>(`SELECT * FROM renders WHERE ${where.sql} ORDER BY ${query.field} LIMIT ?`).all(...where.params, limit)
    },

    async rendersOfMessages (messageIds, states) {
      return chunks(messageIds).flatMap((part) => prepared<unknown[], RenderRecord>(`SELECT * FROM renders
        WHERE message_id IN (${placeholders(part.length)}) AND state IN (${placeholders(states.length)}) ORDER BY id`).all(...part, ...states))
    },

    async countStaleRenders (query) {
      const where = staleWhere(query)
      return (prepared(`SELECT COUNT(*) AS count FROM renders WHERE ${where.sql}`).get(...where.params) as { count: number }).count
    },

    async storedBytesOf (userId) {
      return (prepared<[string], { bytes: number }>(`SELECT COALESCE(SUM(COALESCE(size_bytes, declared_size, 0)), 0) AS bytes FROM renders
        WHERE uploaded_by = ? AND state IN (${LIVE_STATES.map((state) => `'${state}'`).join(', ')})`).get(userId))!.bytes
    },

    async claimDueDeletions (now, holder, leaseUntil, limit, only = {}) {
      const due = only.ignoreBackoff === true ? '(next_attempt_at <= ? OR claimed_by IS NULL)' : 'next_attempt_at <= ?'
      const ids = only.ids === undefined ? '' : ` AND id IN (${placeholders(only.ids.length)})`
      const messages = only.messageIds === undefined ? '' : ` AND message_id IN (${placeholders(only.messageIds.length)})`
      if (only.ids?.length === 0 || only.messageIds?.length === 0) return []
      return prepared<unknown[], RenderRecord>(`UPDATE renders SET claimed_by = ?, next_attempt_at = ?
        WHERE id IN (SELECT id FROM renders WHERE state = 'deleting' AND ${due}${ids}${messages} ORDER BY next_attempt_at, id LIMIT ?)
        RETURNING *`).all(holder, leaseUntil, now, ...(only.ids ?? []), ...(only.messageIds ?? []), limit)
    },

    async finishDeletions (ids, holder) {
      inTransaction(() => {
        for (const part of chunks(ids)) {
          prepared(`DELETE FROM renders WHERE state = 'deleting' AND claimed_by = ? AND id IN (${placeholders(part.length)})`).run(holder, ...part)
        }
      })
    },

    async postponeDeletions (jobs, holder) {
      const postpone = prepared(`UPDATE renders SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?, claimed_by = NULL
        WHERE id = ? AND state = 'deleting' AND claimed_by = ?`)
      inTransaction(() => { for (const job of jobs) postpone.run(job.next_attempt_at, job.last_error, job.id, holder) })
    },

    async countDeletions () {
      return (prepared("SELECT COUNT(*) AS count FROM renders WHERE state = 'deleting'").get() as { count: number }).count
    },

    async recordedKeys (keys) {
      const found = new Set<string>()
      for (const part of chunks(keys)) {
        const list = placeholders(part.length)
        const rows = prepared<string[], string>(`SELECT key FROM renders WHERE key IN (${list})
          UNION SELECT upload_key FROM renders WHERE upload_key IN (${list}) AND state IN ('pending', 'verifying', 'deleting')`)
          .pluck().all(...part, ...part)
        for (const key of rows) found.add(key)
      }
      return found
    },

    async messagesNaming (refs) {
      const named = new Map<string, string>()
      const keyOf = new Map<string, string>()
      for (const ref of refs) {
        keyOf.set(`key:${ref.key}`, ref.key)
        keyOf.set(`id:${ref.id}`, ref.key)
        for (const url of ref.urls) keyOf.set(`url:${url}`, ref.key)
      }
      const candidates = [...keyOf.keys()]
      for (const part of chunks(candidates)) {
        const rows = prepared<string[], { message_id: string, key: string | null, id: string | null, url: string | null }>(`
          SELECT messages.id AS message_id, json_extract(r.value, '$.key') AS key, json_extract(r.value, '$.id') AS id, json_extract(r.value, '$.url') AS url
          FROM messages, json_each(messages.renders) AS r
          WHERE messages.deleted_at IS NULL AND (('key:' || json_extract(r.value, '$.key')) IN (${placeholders(part.length)})
             OR ('id:' || json_extract(r.value, '$.id')) IN (${placeholders(part.length)})
             OR ('url:' || json_extract(r.value, '$.url')) IN (${placeholders(part.length)}))`).all(...part, ...part, ...part)
        for (const row of rows) {
          for (const name of [`key:${row.key}`, `id:${row.id}`, `url:${row.url}`]) {
            const key = keyOf.get(name)
            if (key !== undefined && !named.has(key)) named.set(key, row.message_id)
          }
        }
      }
      return named
    },

    async * liveRenderKeys () {
      // Read fully before yielding: the caller awaits between keys and the connection must stay free.
      const rows = prepared<[], string>("SELECT key FROM renders WHERE state IN ('ready', 'attaching', 'attached')").pluck().all()
      yield * rows
    },

    async insertAnalysis (record) {
      return prepared(`INSERT INTO analyses (${ANALYSIS_COLUMNS.join(', ')}) VALUES (${ANALYSIS_COLUMNS.map((name) => `@${name}`).join(', ')})
        ON CONFLICT(render_id) DO NOTHING`).run(record).changes === 1
    },

    async findAnalyses (renderIds) {
      return chunks(renderIds).flatMap((part) =>
        prepared<string[], AnalysisRecord>(`SELECT * FROM analyses WHERE render_id IN (${placeholders(part.length)})`).all(...part))
    },

    async claimDueAnalyses (now, holder, leaseUntil, limit) {
      return prepared<unknown[], AnalysisRecord>(`UPDATE analyses SET claimed_by = ?, next_attempt_at = ?
        WHERE render_id IN (SELECT render_id FROM analyses WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, render_id LIMIT ?)
        RETURNING *`).all(holder, leaseUntil, now, limit)
    },

    async settleAnalysis (renderId, holder, set) {
      const entries = Object.entries(set).filter(([name]) => ANALYSIS_COLUMN_SET.has(name))
      return prepared(`UPDATE analyses SET ${entries.map(([name]) => `${name} = ?`).join(', ')}
        WHERE render_id = ? AND state = 'pending' AND claimed_by = ?`).run(...entries.map(([, value]) => value), renderId, holder).changes === 1
    },

    async releaseAnalyses (holder, now) {
      prepared("UPDATE analyses SET claimed_by = NULL, next_attempt_at = ? WHERE state = 'pending' AND claimed_by = ?").run(now, holder)
    },

    async removeAnalyses (renderIds) {
      inTransaction(() => {
        for (const part of chunks(renderIds)) prepared(`DELETE FROM analyses WHERE render_id IN (${placeholders(part.length)})`).run(...part)
      })
    },

    async acquireLease (name, holder, now, expiresAt) {
      return prepared(`INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
        ON CONFLICT(name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
        WHERE leases.holder = excluded.holder OR leases.expires_at <= ?`).run(name, holder, expiresAt, now).changes === 1
    },

    async releaseLease (name, holder) {
      prepared('DELETE FROM leases WHERE name = ? AND holder = ?').run(name, holder)
    },

    async getState (name) {
      return (prepared<[string], { value: string }>('SELECT value FROM state WHERE name = ?').get(name))?.value ?? null
    },

    async setState (name, value) {
      if (value === null) prepared('DELETE FROM state WHERE name = ?').run(name)
      else prepared('INSERT INTO state (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value').run(name, value)
    }
  }
  return repository
}

