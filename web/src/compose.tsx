import { useState } from 'preact/hooks'
import { errorText } from './format.js'
import { canRecord, startRecording } from './recorder.js'

interface ComposeProps {
  onSend (input: { note: string, file: File | null }): Promise<void>
}

export function Compose ({ onSend }: ComposeProps) {
  const [file, setFile] = useState<File | null>(null)
  const [note, setNote] = useState('')
  const [dragging, setDragging] = useState(false)
  const [recording, setRecording] = useState<{ stop (): Promise<File> } | null>(null)
  const [recorded, setRecorded] = useState(0)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)

  async function send (event: Event) {
    event.preventDefault()
    setBusy(true)
    setError(null)
    try {
      await onSend({ note, file })
      setNote('')
      setFile(null)
      ;(event.target as HTMLFormElement).reset()
    } catch (err) {
      setError(errorText(err))
    } finally {
      setBusy(false)
    }
  }

  async function toggleRecording () {
    setError(null)
    try {
      if (recording === null) {
        setRecorded(0)
        return setRecording(await startRecording(setRecorded))
      }
      setRecording(null)
      setFile(await recording.stop())
    } catch (err) {
      setRecording(null)
      setError(errorText(err))
    }
  }

  return (
    <form
      class={`compose${dragging ? ' dragging' : ''}`}
      onSubmit={(event) => { void send(event) }}
      onDragOver={(event) => { event.preventDefault(); setDragging(true) }}
      onDragLeave={() => setDragging(false)}
      onDrop={(event) => {
        event.preventDefault()
        setDragging(false)
        const dropped = event.dataTransfer?.files[0]
        if (dropped !== undefined) setFile(dropped)
      }}
    >
      <textarea data-testid="compose-text" placeholder="Note" rows={2} value={note} onInput={(event) => setNote((event.target as HTMLTextAreaElement).value)} />
      <div>
        <input type="file" accept="audio/mpeg,.mp3" data-testid="compose-file" onChange={(event) => setFile((event.target as HTMLInputElement).files?.[0] ?? null)} />
        {canRecord() && (
          <button type="button" data-testid="record" onClick={() => { void toggleRecording() }}>{recording === null ? 'Record' : 'Stop recording'}</button>
        )}
        {recording !== null && <span class="status" data-testid="recording" data-pieces={recorded}>Recording… </span>}
        <span class="status">{file !== null ? `${file.name} (${Math.ceil(file.size / 1024)} KiB)` : 'or drop an MP3 here'}</span>
      </div>
      <button type="submit" data-testid="send" disabled={busy || recording !== null || (note === '' && file === null)}>Send</button>
      {error !== null && <span class="error">{error}</span>}
    </form>
  )
}
