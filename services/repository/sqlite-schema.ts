/**
 * The embedded database. Messages keep their renders embedded as JSON, the same document shape
 * as in MongoDB, so seed-shaped legacy messages (renders with only a url) are stored as they are.
 */
export const SQLITE_SCHEMA = `
CREATE TABLE IF NOT EXISTS threads (
  id TEXT PRIMARY KEY,
  title TEXT,
  users TEXT NOT NULL,
  created_at TEXT NOT NULL
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
  created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_by_thread ON messages (parent_thread, created_at, id);

CREATE TABLE IF NOT EXISTS render_records (
  id TEXT PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  status TEXT NOT NULL,
  format TEXT NOT NULL,
  content_type TEXT NOT NULL,
  declared_size INTEGER,
  size_bytes INTEGER,
  bitrate INTEGER,
  duration REAL,
  message_id TEXT,
  expires_at TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS render_records_pending ON render_records (status, expires_at);
CREATE INDEX IF NOT EXISTS render_records_unattached ON render_records (status, message_id, created_at);

CREATE TABLE IF NOT EXISTS deletion_jobs (
  key TEXT PRIMARY KEY,
  attempts INTEGER NOT NULL,
  next_attempt_at TEXT NOT NULL,
  last_error TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS deletion_jobs_due ON deletion_jobs (next_attempt_at);

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

export interface MessageRow {
  id: string
  parent_thread: string
  user_id: string
  snapshot: string
  snapshot_metadata: string | null
  renders: string
  timestamp: string
  created_at: string
}

export interface ThreadRow {
  id: string
  title: string | null
  users: string
  created_at: string
}
