import { useEffect, useRef, useState } from 'preact/hooks'
import { clockTime, errorText } from './format.js'
import { cachedRenderUrl, streamRender, type RemoteRender } from './render-source.js'
import { Waveform } from './waveform.js'

/** The one player that may be playing: starting another pauses it. */
let playing: HTMLAudioElement | null = null

type Source = 'local' | 'cache' | 'stream'

interface PlayerProps {
  render: RemoteRender
  /** The file this page uploaded, played from memory instead of storage. */
  localUrl?: string
}

export function Player ({ render, localUrl }: PlayerProps) {
  const audio = useRef<HTMLAudioElement>(null)
  const [source, setSource] = useState<Source | null>(null)
  const [isPlaying, setPlaying] = useState(false)
  const [position, setPosition] = useState(0)
  const [duration, setDuration] = useState(render.duration ?? 0)
  const [download, setDownload] = useState<number | null>(null)
  const [error, setError] = useState<string | null>(null)
  const dragging = useRef(false)

  useEffect(() => {
    const element = audio.current!
    const onTime = () => { if (!dragging.current) setPosition(element.currentTime) }
    const onDuration = () => { if (Number.isFinite(element.duration)) setDuration(element.duration) }
    const onPlay = () => setPlaying(true)
    const onPause = () => setPlaying(false)
    element.addEventListener('timeupdate', onTime)
    element.addEventListener('durationchange', onDuration)
    element.addEventListener('play', onPlay)
    element.addEventListener('pause', onPause)
    element.addEventListener('ended', onPause)
    return () => {
      element.pause()
      if (playing === element) playing = null
      if (element.src.startsWith('blob:')) URL.revokeObjectURL(element.src)
    }
  }, [])

  async function load (element: HTMLAudioElement) {
    if (localUrl !== undefined) {
      element.src = localUrl
      return setSource('local')
    }
    const cached = await cachedRenderUrl(render.id).catch(() => null)
    if (cached !== null) {
      element.src = cached
      return setSource('cache')
    }
    setDownload(0)
    element.src = await streamRender(render, setDownload, (err) => setError(errorText(err)))
    setSource('stream')
  }

  async function play () {
    const element = audio.current!
    setError(null)
    try {
      if (source === null) await load(element)
      if (playing !== null && playing !== element) playing.pause()
      playing = element
      await element.play()
    } catch (err) {
      setError(errorText(err))
    }
  }

  function seek (seconds: number) {
    setPosition(seconds)
    const element = audio.current!
    if (element.src !== '') element.currentTime = seconds
  }

  return (
    <div class="player" data-source={source ?? undefined} data-render-id={render.id}>
      <audio ref={audio} preload="none" />
      {isPlaying
        ? <button type="button" data-testid="pause" onClick={() => audio.current!.pause()}>Pause</button>
        : <button type="button" data-testid="play" onClick={() => { void play() }}>Play</button>}
      <input
        type="range" data-testid="seek" aria-label="Seek" min={0} max={duration || 0} step="any" value={position}
        onPointerDown={() => { dragging.current = true }}
        onPointerUp={() => { dragging.current = false }}
        onInput={(event) => seek(Number((event.target as HTMLInputElement).value))}
      />
      {typeof render.waveform_url === 'string' && <Waveform url={render.waveform_url} duration={duration} position={position} onSeek={seek} />}
      <span><span data-testid="position">{clockTime(position)}</span> / <span data-testid="duration">{clockTime(duration)}</span></span>
      {download !== null && <span class="status" data-testid="download-progress">Downloading {Math.floor(download * 100)} %</span>}
      {error !== null && <span class="error">{error}</span>}
    </div>
  )
}
