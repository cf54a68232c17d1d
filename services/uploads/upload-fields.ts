import { RENDER_FORMATS } from '../../schemas/renders.js'
import { badRequest } from '../errors.js'

export interface UploadFields {
  token?: string
  format: (typeof RENDER_FORMATS)[number]
  bitrate?: number
  duration?: number
}

/** Validates the seed's multipart fields (all strings on the wire). */
export function parseUploadFields (raw: Record<string, string>): UploadFields {
  const format = (raw.format ?? 'mp3').toLowerCase()
  if (!(RENDER_FORMATS as readonly string[]).includes(format)) {
    throw badRequest(`format must be one of: ${RENDER_FORMATS.join(', ')}`)
  }
  const fields: UploadFields = { token: raw.token, format: format as UploadFields['format'] }
  if (raw.bitrate !== undefined && raw.bitrate !== '') {
    const bitrate = Number(raw.bitrate)
    if (!Number.isInteger(bitrate) || bitrate < 8 || bitrate > 640) throw badRequest('bitrate must be an integer number of kbps between 8 and 640')
    fields.bitrate = bitrate
  }
  if (raw.duration !== undefined && raw.duration !== '') {
    const duration = Number(raw.duration)
    if (!Number.isFinite(duration) || duration <= 0 || duration > 86_400) throw badRequest('duration must be a number of seconds between 0 and 86400')
    fields.duration = duration
  }
  return fields
}
