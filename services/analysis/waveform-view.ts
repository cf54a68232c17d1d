import type { AppConfig } from '../../config.js'
import type { AnalysisRecord, RenderDoc } from '../repository/types.js'
import type { ObjectStorage } from '../storage/types.js'
import { peaksKeysOf } from '../renders/render-keys.js'

/** What a render's JSON gains from its analysis (additive: clients of the original system ignore it). */
export interface WaveformFields {
  waveform: AnalysisRecord['state']
  /** The message-sized waveform, once ready: public/CDN URL, or a signed GET when its render's URL is signed. */
  waveform_url: string | null
  waveform_zoom_url: string | null
  decoded_duration: number | null
  peak_dbfs: number | null
  loudness_lufs: number | null
}

/** Waveform fields of renders (of one message or a page of them), read in one query; renders with no analysis job (seed-era ones) get none. */
export function createWaveformView (findAnalyses: (ids: string[]) => Promise<AnalysisRecord[]>, storage: ObjectStorage,
  config: Pick<AppConfig, 'PRIVATE_RENDER_URL_TTL_SECONDS' | 'ENV'>) {
  async function urlOf (key: string, signed: boolean) {
    return signed ? (await storage.presignGet(key, config.PRIVATE_RENDER_URL_TTL_SECONDS)).url : storage.publicUrl(key)
  }

  async function fields (job: AnalysisRecord, signed: boolean): Promise<WaveformFields> {
    const keys = job.state === 'ready' ? peaksKeysOf(config.ENV, job.key) : null
    return {
      waveform: job.state,
      waveform_url: keys === null ? null : await urlOf(keys.overview, signed),
      waveform_zoom_url: keys === null ? null : await urlOf(keys.zoom, signed),
      decoded_duration: job.duration,
      peak_dbfs: job.peak_dbfs,
      loudness_lufs: job.loudness_lufs
    }
  }

  return async function waveformsOf (renders: Array<Pick<RenderDoc, 'id' | 'key'>>, signed: boolean): Promise<Waveforms> {
    const keyed = renders.filter((render) => render.key !== undefined)
    const jobs = keyed.length === 0 ? [] : await findAnalyses([...new Set(keyed.map((render) => render.id))])
    // A job belongs to the render whose key it analysed (ids in messages come from clients).
    const asked = new Set(keyed.map((render) => `${render.id} ${render.key}`))
    const mine = jobs.filter((job) => asked.has(`${job.render_id} ${job.key}`))
    const byRenderId = new Map(await Promise.all(mine.map(async (job) => [job.render_id, { key: job.key, fields: await fields(job, signed) }] as const)))
    return { of: (render) => { const job = byRenderId.get(render.id); return job !== undefined && job.key === render.key ? job.fields : undefined } }
  }
}

/** The waveform fields of one of the renders they were read for (none without an analysis of its key). */
export interface Waveforms {
  of (render: Pick<RenderDoc, 'id' | 'key'>): WaveformFields | undefined
}

export type WaveformsOf = ReturnType<typeof createWaveformView>
