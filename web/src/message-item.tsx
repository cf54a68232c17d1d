import type { Message } from '@render-service/client'
import { Player } from './player.js'
import type { UploadState } from './uploads.js'

interface MessageItemProps {
  message: Message
  /** Shown only under the latest own message, as in the original app. */
  upload?: UploadState
  localFiles: Map<string, string>
}

export function MessageItem ({ message, upload, localFiles }: MessageItemProps) {
  return (
    <li data-testid="message" data-message-id={message.id}>
      <div class="meta">
        <strong data-testid="author">{message.user_id}</strong>{' · '}
        <time dateTime={message.created_at}>{new Date(message.created_at).toLocaleString()}</time>
      </div>
      <pre>{JSON.stringify(message.snapshot, null, 2)}</pre>
      {message.renders.map((render) => <Player key={render.id} render={render} localUrl={localFiles.get(render.id)} />)}
      {upload?.status === 'uploading' && (
        <div class="status" data-testid="uploading">
          Uploading audio… <span data-testid="upload-progress">{upload.percent} %</span>
        </div>
      )}
      {upload?.status === 'failed' && (
        <div class="status error">
          Upload failed: {upload.error} <button type="button" data-testid="retry" onClick={upload.retry}>Retry</button>
        </div>
      )}
    </li>
  )
}
