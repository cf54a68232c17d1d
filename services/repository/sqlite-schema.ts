import type Database from 'better-sqlite3'

/**
 * The embedded database. Messages keep their renders embedded as JSON, the same document shape
 * as in MongoDB, so seed-shaped legacy messages (renders with only a url) are stored as they are.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS threads (
  id TEXT PRIMARY KEY,
  title TEXT,
  users TEXT NOT NULL,
  created_at TEXT NOT NULL,
  deleted_at TEXT,
  visibility TEXT NOT NULL DEFAULT 'public',
  renders_acl_pending INTEGER NOT NULL DEFAULT 0,
  created_by TEXT
);
CREATE INDEX IF NOT EXISTS threads_by_time ON threads (created_at, id);

CREATE TABLE IF NOT EXISTS messages (
  id TEXT PRIMARY KEY,
  parent_thread TEXT NOT NULL,
  user_id TEXT NOT NULL,
  snapshot TEXT NOT NULL,
  snapshot_metadata TEXT,
  renders TEXT NOT NULL DEFAULT '[]',
  timestamp TEXT NOT NULL,
  created_at TEXT NOT NULL,
  deleted_at TEXT
);
CREATE INDEX IF NOT EXISTS messages_by_thread ON messages (parent_thread, created_at, id);

CREATE TABLE IF NOT EXISTS renders (
  id TEXT PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  upload_key TEXT,
  state TEXT NOT NULL,
  format TEXT NOT NULL,
  content_type TEXT NOT NULL,
  declared_size INTEGER,
  size_bytes INTEGER,
  bitrate INTEGER,
  duration REAL,
  message_id TEXT,
  expires_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT,
  last_error TEXT,
  claimed_by TEXT,
  acl TEXT,
  uploaded_by TEXT
);
CREATE INDEX IF NOT EXISTS renders_by_state_expiry ON renders (state, expires_at);
-- Partial indexes: a new pending render (one per upload URL) is written to none of them. A query
-- uses one only when its WHERE names the same state literally (see staleWhere) or, for IS NOT NULL,
-- compares the column.
CREATE INDEX IF NOT EXISTS renders_ready_by_created ON renders (state, created_at) WHERE state = 'ready';
CREATE INDEX IF NOT EXISTS renders_attaching_by_updated ON renders (state, updated_at) WHERE state = 'attaching';
CREATE INDEX IF NOT EXISTS renders_of_messages ON renders (message_id) WHERE message_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS renders_by_upload_key ON renders (upload_key);
CREATE INDEX IF NOT EXISTS renders_deleting_due ON renders (state, next_attempt_at, id) WHERE state = 'deleting';
CREATE INDEX IF NOT EXISTS renders_of_uploaders ON renders (uploaded_by, state) WHERE uploaded_by IS NOT NULL;

CREATE TABLE IF NOT EXISTS analyses (
  render_id TEXT PRIMARY KEY,
  key TEXT NOT NULL,
  format TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT,
  claimed_by TEXT,
  last_error TEXT,
  duration REAL,
  sample_rate INTEGER,
  channels INTEGER,
  peak_dbfs REAL,
  loudness_lufs REAL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS analyses_due ON analyses (state, next_attempt_at);

CREATE TABLE IF NOT EXISTS leases (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  expires_at TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS state (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
`

const hasColumn = (db: Database.Database, table: string, column: string) =>
  (db.pragma(`table_info(${table})`) as Array<{ name: string }>).some((info) => info.name === column)

const hasTable = (db: Database.Database, table: string) =>
  db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) !== undefined

const REPLACED_INDEXES = ['renders_by_state_created', 'renders_by_state_updated', 'renders_by_message', 'renders_due', 'renders_by_uploader']

/** Columns added after a table first shipped: [table, column, definition]. */
const ADDED_COLUMNS = [
  ['threads', 'visibility', "TEXT NOT NULL DEFAULT 'public'"],
  ['threads', 'renders_acl_pending', 'INTEGER NOT NULL DEFAULT 0'],
  ['renders', 'acl', 'TEXT']
] as const

/**
 * Creates the schema, and moves a database of the previous layout (render_records with a status,
 * plus a separate deletion_jobs table) into it: queued keys become deleting records.
 */
export function migrateSqlite (db: Database.Database) {
  db.transaction(() => {
    for (const table of ['threads', 'messages']) {
      if (hasTable(db, table) && !hasColumn(db, table, 'deleted_at')) db.exec(`ALTER TABLE ${table} ADD COLUMN deleted_at TEXT`)
    }
    for (const [table, column, definition] of ADDED_COLUMNS) {
      if (hasTable(db, table) && !hasColumn(db, table, column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`)
    }
    if (hasTable(db, 'threads') && !hasColumn(db, 'threads', 'created_by')) db.exec('ALTER TABLE threads ADD COLUMN created_by TEXT')
    if (hasTable(db, 'renders') && !hasColumn(db, 'renders', 'uploaded_by')) db.exec('ALTER TABLE renders ADD COLUMN uploaded_by TEXT')
    // Full indexes of earlier layouts, replaced by the partial ones of SCHEMA.
    for (const index of REPLACED_INDEXES) db.exec(`DROP INDEX IF EXISTS ${index}`)
    db.exec(SCHEMA)
    if (hasTable(db, 'render_records')) {
      db.exec(`INSERT OR IGNORE INTO renders (id, key, upload_key, state, format, content_type, declared_size, size_bytes, bitrate, duration,
          message_id, expires_at, created_at, updated_at)
        SELECT id, key, NULL, CASE WHEN status = 'pending' THEN 'pending' WHEN message_id IS NULL THEN 'ready' ELSE 'attached' END,
          format, content_type, declared_size, size_bytes, bitrate, duration, message_id, expires_at, created_at, created_at
        FROM render_records;
        DROP TABLE render_records;`)
    }
    if (hasTable(db, 'deletion_jobs')) {
      db.exec(`UPDATE renders SET state = 'deleting', next_attempt_at = updated_at WHERE key IN (SELECT key FROM deletion_jobs);
        INSERT OR IGNORE INTO renders (id, key, state, format, content_type, created_at, updated_at, attempts, next_attempt_at, last_error)
          SELECT 'queued:' || key, key, 'deleting', 'mp3', 'audio/mpeg', created_at, created_at, attempts, next_attempt_at, last_error FROM deletion_jobs;
        DROP TABLE deletion_jobs;`)
    }
  }).immediate()
}

export interface MessageRow {
  id: string
  parent_thread: string
  user_id: string
  snapshot: string
  snapshot_metadata: string | null
  renders: string
  timestamp: string
  created_at: string
  deleted_at: string | null
}

export interface ThreadRow {
  id: string
  title: string | null
  users: string
  created_at: string
  deleted_at: string | null
  visibility: 'public' | 'private'
  renders_acl_pending: number
  created_by: string | null
}
