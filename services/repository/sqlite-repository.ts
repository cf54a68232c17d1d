import Database from 'better-sqlite3'
import { SQLITE_SCHEMA, type MessageRow, type ThreadRow } from './sqlite-schema.js'
import type {
  DeletionJob, KeysOfMessage, MessageDoc, Page, RenderDoc, RenderRecord, Repository, ThreadDoc
} from './types.js'

/** Keeps IN (...) lists well under SQLite's bound-parameter limit. */
const CHUNK = 500

function chunks<T> (items: T[]): T[][] {
  const result: T[][] = []
  for (let i = 0; i < items.length; i += CHUNK) result.push(items.slice(i, i + CHUNK))
  return result
}

const placeholders = (count: number) => Array(count).fill('?').join(',')

function messageFromRow (row: MessageRow): MessageDoc {
  return {
    id: row.id,
    parent_thread: row.parent_thread,
    user_id: row.user_id,
    snapshot: JSON.parse(row.snapshot),
    snapshot_metadata: row.snapshot_metadata === null ? null : JSON.parse(row.snapshot_metadata),
    renders: JSON.parse(row.renders) as RenderDoc[],
    timestamp: row.timestamp,
    created_at: row.created_at
  }
}

/**
 * Group commit: writes queued in the same event-loop turn share one transaction, so concurrent
 * requests pay for one WAL commit instead of one each. Each write is a single statement, and SQLite
 * rolls back a failed statement alone, so a failing write fails only its own caller.
 */
function groupCommit (db: Database.Database) {
  let queue: Array<{ write: () => void, resolve: () => void, reject: (err: unknown) => void }> = []
  const commitBatch = db.transaction((batch: typeof queue) => batch.map((item) => {
    try {
      item.write()
      return undefined
    } catch (err) {
      return { err }
    }
  }))
  function flush () {
    const batch = queue
    queue = []
    let failures: Array<{ err: unknown } | undefined>
    try {
      failures = commitBatch.immediate(batch)
    } catch (err) {
      for (const item of batch) item.reject(err)
      return
    }
    batch.forEach((item, index) => {
      const failure = failures[index]
      if (failure === undefined) item.resolve()
      else item.reject(failure.err)
    })
  }
  return (write: () => void) => new Promise<void>((resolve, reject) => {
    queue.push({ write, resolve, reject })
    if (queue.length === 1) setImmediate(flush)
  })
}

export type SqliteRepository = Repository & { readonly db: Database.Database }

/** The embedded database: one SQLite file in WAL mode, shareable by the server and the CLI. */
export function openSqliteRepository (file: string): SqliteRepository {
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.pragma('busy_timeout = 5000')
  db.exec(SQLITE_SCHEMA)

  const statements = new Map<string, Database.Statement>()
  /** Prepares each SQL text once: preparing costs more than running these statements. IN-lists have at most CHUNK shapes. */
  function prepared<P extends unknown[] | {} = unknown[], R = unknown> (sql: string): Database.Statement<P, R> {
    let statement = statements.get(sql)
    if (statement === undefined) statements.set(sql, statement = db.prepare(sql))
    return statement as Database.Statement<P, R>
  }
  const commitTogether = groupCommit(db)

  const threadMessageIds = db.prepare<[string], { id: string }>('SELECT id FROM messages WHERE parent_thread = ? ORDER BY created_at, id')
  const selectThread = db.prepare<[string], ThreadRow>('SELECT * FROM threads WHERE id = ?')
  const selectMessage = db.prepare<[string], MessageRow>('SELECT * FROM messages WHERE id = ?')
  const selectRecord = db.prepare<[string], RenderRecord>('SELECT * FROM render_records WHERE id = ?')
  const insertJob = db.prepare('INSERT OR IGNORE INTO deletion_jobs (key, attempts, next_attempt_at, last_error, created_at) VALUES (?, 0, ?, NULL, ?)')

  function threadFromRow (row: ThreadRow): ThreadDoc {
    return {
      id: row.id,
      title: row.title,
      users: JSON.parse(row.users),
      messages: threadMessageIds.all(row.id).map(({ id }) => id),
      created_at: row.created_at
    }
  }

  const enqueue = (keys: string[], now: string) => { for (const key of keys) insertJob.run(key, now, now) }

  /**
   * Queues every key the messages use (their renders, and any upload recorded for them) and removes
   * those render records; returns the queued keys. Runs inside the caller's transaction.
   */
  function forgetRendersOf (messages: MessageDoc[], keysOf: KeysOfMessage, now: string): string[] {
    const keys = new Set(messages.flatMap(keysOf))
    const renderIds = messages.flatMap((message) => message.renders.map((render) => render.id))
    for (const part of chunks(renderIds)) prepared(`DELETE FROM render_records WHERE id IN (${placeholders(part.length)})`).run(...part)
    for (const part of chunks(messages.map((message) => message.id))) {
      const where = `message_id IN (${placeholders(part.length)})`
      for (const key of prepared<string[], string>(`SELECT key FROM render_records WHERE ${where}`).pluck().all(...part)) keys.add(key)
      prepared(`DELETE FROM render_records WHERE ${where}`).run(...part)
    }
    enqueue([...keys], now)
    return [...keys]
  }

  /** Whether any of these render keys is queued for deletion: such a render may not be attached again. */
  function anyQueued (renders: RenderDoc[]) {
    const keys = renders.flatMap((render) => render.key === undefined ? [] : [render.key])
    return chunks(keys).some((part) => prepared(`SELECT 1 FROM deletion_jobs WHERE key IN (${placeholders(part.length)}) LIMIT 1`).get(...part) !== undefined)
  }

  /** A render attached to a message links its render record to that message (first message wins). */
  function linkRecords (renders: RenderDoc[], messageId: string) {
    const link = prepared('UPDATE render_records SET message_id = ? WHERE id = ? AND message_id IS NULL')
    for (const render of renders) link.run(messageId, render.id)
  }

  /** Queues the keys of the records `where` selects (before, limit) and removes those records, in one transaction. */
  function expireRecords (where: string, before: string, limit: number) {
    return db.transaction(() => {
      const expired = prepared<[string, number], RenderRecord>(`SELECT * FROM render_records WHERE ${where} LIMIT ?`).all(before, limit)
      enqueue(expired.map((record) => record.key), before)
      for (const part of chunks(expired.map((record) => record.id))) {
        prepared(`DELETE FROM render_records WHERE id IN (${placeholders(part.length)})`).run(...part)
      }
      return expired
    }).immediate()
  }

  function keysetPage (table: 'threads' | 'messages', where: string, params: unknown[], page: Page) {
    const before = page.before === undefined ? '' : `${where === '' ? 'WHERE' : 'AND'} (created_at < ? OR (created_at = ? AND id < ?))`
    const beforeParams = page.before === undefined ? [] : [page.before.created_at, page.before.created_at, page.before.id]
    return prepared(`SELECT * FROM ${table} ${where} ${before} ORDER BY created_at DESC, id DESC LIMIT ?`)
      .all(...params, ...beforeParams, page.limit)
  }

  const repository: SqliteRepository = {
    kind: 'sqlite',
    db,

    async ping () { prepared('SELECT 1').get() },
    async close () { db.close() },

    async insertThread (thread) {
      prepared('INSERT INTO threads (id, title, users, created_at) VALUES (?, ?, ?, ?)')
        .run(thread.id, thread.title, JSON.stringify(thread.users), thread.created_at)
    },

    async findThread (id) {
      const row = selectThread.get(id)
      return row === undefined ? null : threadFromRow(row)
    },

    async listThreads (page) {
      return (keysetPage('threads', '', [], page) as ThreadRow[]).map(threadFromRow)
    },

    async deleteThread (id, keysOf: KeysOfMessage, now) {
      return db.transaction(() => {
        const row = selectThread.get(id)
        if (row === undefined) return null
        const thread = threadFromRow(row)
        const messages = (prepared('SELECT * FROM messages WHERE parent_thread = ?').all(id) as MessageRow[]).map(messageFromRow)
        const keys = forgetRendersOf(messages, keysOf, now)
        prepared('DELETE FROM messages WHERE parent_thread = ?').run(id)
        prepared('DELETE FROM threads WHERE id = ?').run(id)
        return { thread, messages, keys }
      }).immediate()
    },

    async insertMessage (message) {
      return db.transaction(() => {
        if (selectThread.get(message.parent_thread) === undefined) return 'thread_not_found' as const
        if (anyQueued(message.renders)) return 'render_deleted' as const
        prepared(`INSERT INTO messages (id, parent_thread, user_id, snapshot, snapshot_metadata, renders, timestamp, created_at)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(
          message.id, message.parent_thread, message.user_id, JSON.stringify(message.snapshot),
          message.snapshot_metadata === null ? null : JSON.stringify(message.snapshot_metadata),
          JSON.stringify(message.renders), message.timestamp, message.created_at
        )
        linkRecords(message.renders, message.id)
        return 'inserted' as const
      }).immediate()
    },

    async findMessage (id) {
      const row = selectMessage.get(id)
      return row === undefined ? null : messageFromRow(row)
    },

    async listMessages (threadId, page) {
      return (keysetPage('messages', 'WHERE parent_thread = ?', [threadId], page) as MessageRow[]).map(messageFromRow)
    },

    async attachRender (messageId, render) {
      return db.transaction(() => {
        const row = selectMessage.get(messageId)
        if (row === undefined) return 'message_not_found' as const
        const renders = JSON.parse(row.renders) as RenderDoc[]
        if (renders.some((existing) => existing.id === render.id)) return 'already_attached' as const
        if (anyQueued([render])) return 'render_deleted' as const
        prepared('UPDATE messages SET renders = ? WHERE id = ?').run(JSON.stringify([...renders, render]), messageId)
        linkRecords([render], messageId)
        return 'attached' as const
      }).immediate()
    },

    async deleteMessage (id, keysOf, now) {
      return db.transaction(() => {
        const row = selectMessage.get(id)
        if (row === undefined) return null
        const message = messageFromRow(row)
        const keys = forgetRendersOf([message], keysOf, now)
        prepared('DELETE FROM messages WHERE id = ?').run(id)
        return { message, keys }
      }).immediate()
    },

    async insertRenderRecord (record) {
      await commitTogether(() => prepared(`INSERT INTO render_records (id, key, status, format, content_type, declared_size, size_bytes, bitrate, duration, message_id, expires_at, created_at)
        VALUES (@id, @key, @status, @format, @content_type, @declared_size, @size_bytes, @bitrate, @duration, @message_id, @expires_at, @created_at)`).run(record))
    },

    async findRenderRecord (id) {
      return selectRecord.get(id) ?? null
    },

    async markRenderReady (id, fields) {
      const { changes } = prepared(`UPDATE render_records SET status = 'ready', size_bytes = ?, bitrate = ?, duration = ?, message_id = ?, expires_at = NULL
        WHERE id = ? AND status = 'pending'`).run(fields.size_bytes, fields.bitrate, fields.duration, fields.message_id, id)
      return changes === 1 ? selectRecord.get(id) ?? null : null
    },

    async discardRenderRecord (id, now) {
      return db.transaction(() => {
        const record = selectRecord.get(id)
        if (record === undefined) return null
        enqueue([record.key], now)
        prepared('DELETE FROM render_records WHERE id = ?').run(id)
        return record
      }).immediate()
    },

    async expirePendingUploads (before, limit) {
      return expireRecords("status = 'pending' AND expires_at < ? ORDER BY expires_at", before, limit)
    },

    async countExpiredPendingUploads (before) {
      return (prepared("SELECT COUNT(*) AS count FROM render_records WHERE status = 'pending' AND expires_at < ?").get(before) as { count: number }).count
    },

    async expireUnattachedRenders (before, limit) {
      return expireRecords("status = 'ready' AND message_id IS NULL AND created_at < ? ORDER BY created_at", before, limit)
    },

    async countUnattachedRenders (before) {
      return (prepared("SELECT COUNT(*) AS count FROM render_records WHERE status = 'ready' AND message_id IS NULL AND created_at < ?")
        .get(before) as { count: number }).count
    },

    async enqueueDeletions (keys, now) {
      db.transaction(() => enqueue(keys, now)).immediate()
    },

    async dueDeletions (now, limit) {
      return prepared<[string, number], DeletionJob>('SELECT * FROM deletion_jobs WHERE next_attempt_at <= ? ORDER BY next_attempt_at, key LIMIT ?').all(now, limit)
    },

    async findDeletions (keys) {
      return chunks(keys).flatMap((part) =>
        prepared(`SELECT * FROM deletion_jobs WHERE key IN (${placeholders(part.length)})`).all(...part) as DeletionJob[])
    },

    async countDeletions () {
      return (prepared('SELECT COUNT(*) AS count FROM deletion_jobs').get() as { count: number }).count
    },

    async finishDeletions (keys) {
      db.transaction(() => {
        for (const part of chunks(keys)) prepared(`DELETE FROM deletion_jobs WHERE key IN (${placeholders(part.length)})`).run(...part)
      }).immediate()
    },

    async postponeDeletions (jobs) {
      const postpone = prepared('UPDATE deletion_jobs SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE key = ?')
      db.transaction(() => { for (const job of jobs) postpone.run(job.next_attempt_at, job.last_error, job.key) }).immediate()
    },

    async referencedKeys (refs) {
      const used = new Set<string>()
      for (const part of chunks(refs)) {
        const keys = part.map((ref) => ref.key)
        const keyOfUrl = new Map(part.map((ref) => [ref.url, ref.key]))
        const records = prepared(`SELECT key FROM render_records WHERE key IN (${placeholders(keys.length)})`).all(...keys) as Array<{ key: string }>
        for (const { key } of records) used.add(key)
        const embedded = prepared(`SELECT json_extract(r.value, '$.key') AS key, json_extract(r.value, '$.url') AS url
          FROM messages, json_each(messages.renders) AS r
          WHERE json_extract(r.value, '$.key') IN (${placeholders(keys.length)}) OR json_extract(r.value, '$.url') IN (${placeholders(keys.length)})`)
          .all(...keys, ...part.map((ref) => ref.url)) as Array<{ key: string | null, url: string | null }>
        const wanted = new Set(keys)
        for (const row of embedded) {
          if (row.key !== null && wanted.has(row.key)) used.add(row.key)
          const keyOfLegacyUrl = row.url !== null ? keyOfUrl.get(row.url) : undefined
          if (keyOfLegacyUrl !== undefined) used.add(keyOfLegacyUrl)
        }
      }
      return used
    },

    async * allRenderKeys () {
      // Read fully before yielding: the caller awaits between keys and the connection must stay free.
      const rows = prepared(`SELECT key FROM render_records WHERE status = 'ready'
        UNION SELECT json_extract(r.value, '$.key') FROM messages, json_each(messages.renders) AS r
        WHERE json_extract(r.value, '$.key') IS NOT NULL`).pluck().all() as string[]
      yield * rows
    },

    async acquireLease (name, holder, now, expiresAt) {
      return db.transaction(() => {
        const lease = prepared<[string], { holder: string, expires_at: string }>('SELECT holder, expires_at FROM leases WHERE name = ?').get(name)
        if (lease !== undefined && lease.holder !== holder && lease.expires_at > now) return false
        prepared('INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at')
          .run(name, holder, expiresAt)
        return true
      }).immediate()
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
