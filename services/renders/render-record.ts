import type { RenderRecord } from '../repository/types.js'

type Required = Pick<RenderRecord, 'id' | 'key' | 'state' | 'created_at'>

/** A record with every optional field empty. */
export function newRenderRecord (fields: Required & Partial<RenderRecord>): RenderRecord {
  return {
    upload_key: null,
    format: 'mp3',
    content_type: 'audio/mpeg',
    declared_size: null,
    size_bytes: null,
    bitrate: null,
    duration: null,
    message_id: null,
    expires_at: null,
    updated_at: fields.created_at,
    attempts: 0,
    next_attempt_at: null,
    last_error: null,
    claimed_by: null,
    uploaded_by: null,
    ...fields
  }
}

/** The fields that hand a record to the deletion worker, due now. */
export function deletingFields (now: string): Partial<RenderRecord> {
  return { state: 'deleting', updated_at: now, next_attempt_at: now, claimed_by: null }
}

/** A deleting record for an object found with no record at all (an orphan). */
export function orphanRecord (key: string, now: string): RenderRecord {
  return newRenderRecord({ id: `orphan:${key}`, key, state: 'deleting', created_at: now, next_attempt_at: now })
}
