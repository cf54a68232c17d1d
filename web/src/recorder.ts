import type { EncodeRequest } from './mp3-worker.js'

/** Whether this browser can record from a microphone and encode the recording here. */
export function canRecord () {
  return typeof navigator !== 'undefined' && navigator.mediaDevices?.getUserMedia !== undefined &&
    typeof MediaRecorder !== 'undefined' && typeof Worker !== 'undefined' && typeof AudioContext !== 'undefined'
}

/** Records the microphone until `stop()`; resolves to an MP3 encoded in a worker. `onData` counts the pieces recorded so far. */
export async function startRecording (onData: (pieces: number) => void = () => {}) {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true })
  const recorder = new MediaRecorder(stream)
  const chunks: Blob[] = []
  recorder.ondataavailable = (event) => {
    chunks.push(event.data)
    onData(chunks.length)
  }
  const stopped = new Promise<Blob>((resolve) => {
    recorder.onstop = () => resolve(new Blob(chunks, { type: recorder.mimeType }))
  })
  // Data every 250 ms, so a stop at any time has something to encode.
  recorder.start(250)
  return {
    async stop (): Promise<File> {
      recorder.stop()
      for (const track of stream.getTracks()) track.stop()
      return encodeMp3(await stopped)
    }
  }
}

async function encodeMp3 (recording: Blob): Promise<File> {
  const context = new AudioContext()
  try {
    const audio = await context.decodeAudioData(await recording.arrayBuffer())
    const channels = Array.from({ length: audio.numberOfChannels }, (_, i) => audio.getChannelData(i))
    const worker = new Worker(new URL('mp3-worker.js', import.meta.url), { type: 'module' })
    try {
      const mp3 = await new Promise<Blob>((resolve, reject) => {
        worker.onmessage = (event: MessageEvent<Blob>) => resolve(event.data)
        worker.onerror = () => reject(new Error('The MP3 encoder failed'))
        const request: EncodeRequest = { channels, sampleRate: audio.sampleRate, kbps: 128 }
        worker.postMessage(request, channels.map((channel) => channel.buffer as ArrayBuffer))
      })
      return new File([mp3], `recording-${new Date().toISOString().replace(/[:.]/g, '-')}.mp3`, { type: 'audio/mpeg' })
    } finally {
      worker.terminate()
    }
  } finally {
    await context.close()
  }
}
