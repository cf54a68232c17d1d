import type { CreateMessageInput, Message, Render, RenderServiceClient } from './client.js'
import type { UploadRenderOptions } from './upload-render.js'
import type { UploadData } from './put-object.js'

export interface SendMessageWithRenderInput extends CreateMessageInput {
  /** The render to upload in the background once the message exists. */
  file: UploadData
  upload?: Omit<UploadRenderOptions, 'messageId' | 'onProgress' | 'signal'>
}

export interface UploadEvents {
  uploading: { messageId: string }
  progress: { messageId: string, loaded: number, total: number, percent: number }
  ready: { messageId: string, render: Render }
  failed: { messageId: string, error: unknown }
}

type Listener<E extends keyof UploadEvents> = (event: UploadEvents[E]) => void

/** The background upload of one message's render: events for a UI, retry after a failure, cancel. */
export interface RenderUpload {
  readonly messageId: string
  /** Subscribes; a listener added mid-upload first gets the latest event of its kind (the current state). */
  on<E extends keyof UploadEvents>(event: E, listener: Listener<E>): () => void
  /** Settles with the render, or rejects with the error of the attempt that failed. */
  readonly done: Promise<Render>
  /** Starts the upload again after a failure (a new `done`); no-op while one is running. */
  retry (): void
  cancel (): void
}

/**
 * The original client's flow: the message is created first (it shows at once), its render is
 * uploaded in the background and attached by complete; the UI follows the upload's events.
 */
export async function sendMessageWithRender (client: RenderServiceClient, input: SendMessageWithRenderInput) {
  const { file, upload: uploadOptions, ...messageInput } = input
  const message: Message = await client.messages.create(messageInput)
  const upload = startRenderUpload(client, message.id, file, uploadOptions)
  return { message, upload }
}

export function startRenderUpload (client: RenderServiceClient, messageId: string, file: UploadData,
  uploadOptions: SendMessageWithRenderInput['upload'] = {}): RenderUpload {
  const listeners = new Map<keyof UploadEvents, Set<(event: never) => void>>()
  /** The latest event of each kind in the current attempt, handed to listeners that subscribe late. */
  let latest = new Map<keyof UploadEvents, unknown>()
  const emit = <E extends keyof UploadEvents>(name: E, event: UploadEvents[E]) => {
    latest.set(name, event)
    for (const listener of listeners.get(name) ?? []) (listener as Listener<E>)(event)
  }
  let controller: AbortController | undefined
  let running = false

  const run = (): Promise<Render> => {
    controller = new AbortController()
    running = true
    latest = new Map()
    emit('uploading', { messageId })
    return Promise.resolve().then(async () => {
      try {
        const render = await client.uploadRender(file, {
          ...uploadOptions,
          messageId,
          signal: controller!.signal,
          onProgress: ({ loaded, total }) => emit('progress', { messageId, loaded, total, percent: Math.floor(loaded / total * 100) })
        })
        emit('ready', { messageId, render })
        return render
      } catch (error) {
        emit('failed', { messageId, error })
        throw error
      } finally {
        running = false
      }
    })
  }

  const handle = {
    messageId,
    done: run(),
    on<E extends keyof UploadEvents>(name: E, listener: Listener<E>) {
      const set = listeners.get(name) ?? new Set()
      set.add(listener as (event: never) => void)
      listeners.set(name, set)
      if (latest.has(name)) listener(latest.get(name) as UploadEvents[E])
      return () => { set.delete(listener as (event: never) => void) }
    },
    retry () {
      if (running) return
      handle.done = run()
      handle.done.catch(() => {})
    },
    cancel () { controller?.abort() }
  }
  // A failure is reported through 'failed'; an unobserved `done` must not crash the app.
  handle.done.catch(() => {})
  return handle
}
