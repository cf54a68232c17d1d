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

/** Waveform fields of renders, read in one query; renders with no analysis job (seed-era ones) get none. */
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

  return async function waveformsOf (renders: Array<Pick<RenderDoc, 'id' | 'key'>>, signed: boolean): Promise<Map<string, WaveformFields>> {
    const keyed = renders.filter((render) => render.key !== undefined)
    const jobs = keyed.length === 0 ? [] : await findAnalyses(keyed.map((render) => render.id))
    // A job belongs to the render whose key it analysed (ids in messages come from clients).
    const keyOf = new Map(keyed.map((render) => [render.id, render.key]))
    const entries = await Promise.all(jobs.filter((job) => keyOf.get(job.render_id) === job.key).map(async (job) => [job.render_id, await fields(job, signed)] as const))
    return new Map(entries)
  }
}

export type WaveformsOf = ReturnType<typeof createWaveformView>
