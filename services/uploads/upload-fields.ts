import { AUDIO_FORMAT_NAMES, DEFAULT_FORMAT, isAudioFormat, type AudioFormat } from '../audio/audio-formats.js'
import { badRequest } from '../errors.js'

export interface UploadFields {
  token?: string
  format: AudioFormat
  bitrate?: number
  duration?: number
}

/** Validates the seed's multipart fields (all strings on the wire). */
export function parseUploadFields (raw: Record<string, string>): UploadFields {
  const format = (raw.format ?? DEFAULT_FORMAT).toLowerCase()
  if (!isAudioFormat(format)) throw badRequest(`format must be one of: ${AUDIO_FORMAT_NAMES.join(', ')}`)
  const fields: UploadFields = { token: raw.token, format }
  if (raw.bitrate !== undefined && raw.bitrate !== '') {
    const bitrate = Number(raw.bitrate)
    if (!Number.isInteger(bitrate) || bitrate < 8 || bitrate > 10_000) throw badRequest('bitrate must be an integer number of kbps between 8 and 10000')
    fields.bitrate = bitrate
  }
  if (raw.duration !== undefined && raw.duration !== '') {
    const duration = Number(raw.duration)
    if (!Number.isFinite(duration) || duration <= 0 || duration > 86_400) throw badRequest('duration must be a number of seconds between 0 and 86400')
    fields.duration = duration
  }
  return fields
}
