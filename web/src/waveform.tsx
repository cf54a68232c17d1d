import { useEffect, useRef } from 'preact/hooks'
import WaveSurfer from 'wavesurfer.js'

interface WaveformProps {
  /** The render's `waveform_url`: audiowaveform JSON (v2) made by the service. */
  url: string
  duration: number
  position: number
  onSeek: (seconds: number) => void
}

interface AudiowaveformJson { data: number[], bits: 8 | 16 }

/** The render's waveform drawn by wavesurfer.js from the service's peaks (no audio is decoded here); a click seeks. */
export function Waveform ({ url, duration, position, onSeek }: WaveformProps) {
  const container = useRef<HTMLDivElement>(null)
  const surfer = useRef<WaveSurfer | null>(null)
  const seek = useRef(onSeek)
  seek.current = onSeek

  useEffect(() => {
    let cancelled = false
    void (async () => {
      const res = await fetch(url)
      if (!res.ok || cancelled || duration <= 0) return
      const peaks = await res.json() as AudiowaveformJson
      if (cancelled) return
      const scale = peaks.bits === 8 ? 128 : 32768
      // The min/max pairs read as one channel of samples: wavesurfer draws their envelope.
      const waveSurfer = WaveSurfer.create({
        container: container.current!, height: 40, peaks: [Float32Array.from(peaks.data, (value) => value / scale)], duration,
        waveColor: '#9aa5b1', progressColor: '#2563eb', cursorWidth: 1, normalize: true
      })
      waveSurfer.on('interaction', (seconds) => seek.current(seconds))
      surfer.current = waveSurfer
    })().catch(() => {})
    return () => {
      cancelled = true
      surfer.current?.destroy()
      surfer.current = null
    }
  }, [url, duration])

  useEffect(() => {
    if (surfer.current !== null && duration > 0) surfer.current.seekTo(Math.min(1, position / duration))
  }, [position, duration])

  return <div class="waveform" data-testid="waveform" ref={container} />
}
