import { useEffect, useState } from 'preact/hooks'
import type { Render, RenderUpload } from '@render-service/client'

export interface UploadState {
  status: 'uploading' | 'failed'
  percent: number
  error?: string
  retry (): void
}

/** Background uploads of this page, by message id, for the components to show. */
export class UploadTracker {
  private readonly states = new Map<string, UploadState>()
  /** Renders uploaded from this page: their files play from memory. */
  readonly localFiles = new Map<string, string>()
  private readonly subscribers = new Set<() => void>()

  track (upload: RenderUpload, file: Blob, onReady: (render: Render) => void) {
    const { messageId } = upload
    const set = (state: UploadState | null) => {
      if (state === null) this.states.delete(messageId)
      else this.states.set(messageId, state)
      for (const notify of this.subscribers) notify()
    }
    const retry = () => upload.retry()
    upload.on('uploading', () => set({ status: 'uploading', percent: 0, retry }))
    upload.on('progress', ({ percent }) => set({ status: 'uploading', percent, retry }))
    upload.on('failed', ({ error }) => set({ status: 'failed', percent: 0, error: error instanceof Error ? error.message : String(error), retry }))
    upload.on('ready', ({ render }) => {
      this.localFiles.set(render.id, URL.createObjectURL(file))
      set(null)
      onReady(render)
    })
  }

  get (messageId: string) {
    return this.states.get(messageId)
  }

  subscribe (notify: () => void) {
    this.subscribers.add(notify)
    return () => { this.subscribers.delete(notify) }
  }
}

/** Re-renders the calling component whenever an upload's state changes. */
export function useUploads (tracker: UploadTracker) {
  const [, setVersion] = useState(0)
  useEffect(() => tracker.subscribe(() => setVersion((v) => v + 1)), [tracker])
  return tracker
}
