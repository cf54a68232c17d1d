import createFetchClient from 'openapi-fetch'
import type { paths } from './generated/api.js'
import { ApiError } from './errors.js'
import { retryPolicy, type RetryOptions } from './backoff.js'
import { uploadRender, type UploadRenderOptions } from './upload-render.js'
import { sendMessageWithRender, type SendMessageWithRenderInput } from './send-message.js'
import type { UploadData } from './put-object.js'

type Json<P extends keyof paths, M extends keyof paths[P], S extends number> =
  paths[P][M] extends { responses: Record<S, { content: { 'application/json': infer T } }> } ? T : never

type Body<P extends keyof paths, M extends keyof paths[P]> =
  paths[P][M] extends { requestBody?: { content: { 'application/json': infer T } } } ? T : never

export type Me = Json<'/api/v1/me/', 'get', 200>
export type Thread = Json<'/api/v1/threads/{id}', 'get', 200>
export type ThreadPage = Json<'/api/v1/threads/', 'get', 200>
export type Message = Json<'/api/v1/messages/{id}', 'get', 200>
export type MessagePage = Json<'/api/v1/threads/{id}/messages', 'get', 200>
export type Render = Json<'/api/v1/renders/{id}', 'get', 200>
export type UploadTicket = Json<'/api/v1/uploads/', 'post', 201>
export type CreateThreadInput = Body<'/api/v1/threads/', 'post'>
export type CreateMessageInput = Body<'/api/v1/messages/', 'post'>
export type CreateUploadInput = Body<'/api/v1/uploads/', 'post'>
export type RenderInput = Body<'/api/v1/messages/{id}/renders', 'post'>['render']

export interface PageOptions { limit?: number, cursor?: string }

export interface ClientOptions {
  /** The service's origin, e.g. https://renders.example.com (no /api/v1). */
  baseUrl: string
  /** The user's token, asked for before every request (so a refreshed token is used at once). */
  getToken: () => string | Promise<string>
  /** Backoff for uploads and completes. */
  retry?: RetryOptions
  /** The time the client compares upload URL expiry with (default: the device clock). */
  now?: () => number
  /** A fetch to use instead of the global one (for the API, and for storage PUTs where there is no XHR). */
  fetch?: typeof fetch
}

interface Outcome<T> { data?: T, error?: unknown, response: Response }

/** The data of a successful answer; the service's JSON error as an ApiError otherwise. */
function unwrap<T> ({ data, error, response }: Outcome<T>): T {
  if (error === undefined && response.ok) return data as T
  const body = (typeof error === 'object' && error !== null ? error : {}) as { code?: string, message?: string }
  throw new ApiError(response.status, body.code ?? `HTTP_${response.status}`, body.message ?? response.statusText)
}

export function createClient (options: ClientOptions) {
  const baseUrl = options.baseUrl.replace(/\/+$/, '')
  const customFetch = options.fetch
  const api = createFetchClient<paths>({
    baseUrl,
    ...(customFetch === undefined ? {} : { fetch: (request: Request) => customFetch(request) })
  })
  api.use({
    async onRequest ({ request }) {
      request.headers.set('authorization', `Bearer ${await options.getToken()}`)
      return request
    }
  })

  /** Who the token belongs to: a user (user_id) or the service token (user_id null). */
  const me = async (): Promise<Me> => unwrap(await api.GET('/api/v1/me/'))

  const threads = {
    list: async (page: PageOptions = {}): Promise<ThreadPage> =>
      unwrap(await api.GET('/api/v1/threads/', { params: { query: { limit: page.limit, cursor: page.cursor } } })),
    get: async (id: string): Promise<Thread> =>
      unwrap(await api.GET('/api/v1/threads/{id}', { params: { path: { id } } })),
    create: async (input: CreateThreadInput = {}): Promise<Thread> =>
      unwrap(await api.POST('/api/v1/threads/', { body: input })),
    delete: async (id: string) =>
      unwrap(await api.DELETE('/api/v1/threads/{id}', { params: { path: { id } } }))
  }

  /** A thread's members (its `users`); only the thread's creator changes them. */
  const members = {
    add: async (threadId: string, userId: string): Promise<Thread> =>
      unwrap(await api.POST('/api/v1/threads/{id}/members', { params: { path: { id: threadId } }, body: { user_id: userId } })),
    remove: async (threadId: string, userId: string): Promise<Thread> =>
      unwrap(await api.DELETE('/api/v1/threads/{id}/members/{user_id}', { params: { path: { id: threadId, user_id: userId } } }))
  }

  const messages = {
    /** Newest first; pass the page's next_cursor for older ones. */
    list: async (threadId: string, page: PageOptions = {}): Promise<MessagePage> =>
      unwrap(await api.GET('/api/v1/threads/{id}/messages', {
        params: { path: { id: threadId }, query: { limit: page.limit, cursor: page.cursor } }
      })),
    get: async (id: string): Promise<Message> =>
      unwrap(await api.GET('/api/v1/messages/{id}', { params: { path: { id } } })),
    create: async (input: CreateMessageInput): Promise<Message> =>
      unwrap(await api.POST('/api/v1/messages/', { body: input })),
    delete: async (id: string) =>
      unwrap(await api.DELETE('/api/v1/messages/{id}', { params: { path: { id } } })),
    attachRender: async (id: string, render: RenderInput) =>
      unwrap(await api.POST('/api/v1/messages/{id}/renders', { params: { path: { id } }, body: { render } }))
  }

  const renders = {
    get: async (id: string): Promise<Render> =>
      unwrap(await api.GET('/api/v1/renders/{id}', { params: { path: { id } } }))
  }

  const uploads = {
    /** A presigned PUT URL for one file of exactly `size_bytes`. */
    start: async (input: CreateUploadInput): Promise<UploadTicket> =>
      unwrap(await api.POST('/api/v1/uploads/', { body: input })),
    /** Verifies the PUT object and makes it a render (attached to message_id if given); idempotent. */
    complete: async (renderId: string, messageId?: string): Promise<Render> =>
      unwrap(await api.POST('/api/v1/uploads/{id}/complete', {
        params: { path: { id: renderId } },
        body: messageId === undefined ? {} : { message_id: messageId }
      }))
  }

  const context = { uploads, retry: retryPolicy(options.retry), now: options.now ?? Date.now, fetch: customFetch }
  const client = {
    me,
    threads,
    members,
    messages,
    renders,
    uploads,
    /** Upload URL → PUT straight to storage → complete, with retries; resolves to the render. */
    uploadRender: (data: UploadData, uploadOptions: UploadRenderOptions = {}) => uploadRender(context, data, uploadOptions),
    /** Creates the message at once, then uploads and attaches its render in the background. */
    sendMessageWithRender: (input: SendMessageWithRenderInput) => sendMessageWithRender(client, input)
  }
  return client
}

export type RenderServiceClient = ReturnType<typeof createClient>
