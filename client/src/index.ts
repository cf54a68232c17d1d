export { createClient } from './client.js'
export type {
  ClientOptions, CreateMessageInput, CreateThreadInput, CreateUploadInput, Me, Message, MessagePage, PageOptions,
  Render, RenderInput, RenderServiceClient, Thread, ThreadPage, UploadTicket
} from './client.js'
export { AbortError, ApiError } from './errors.js'
export type { RetryOptions } from './backoff.js'
export type { Progress, UploadData } from './put-object.js'
export type { UploadRenderOptions } from './upload-render.js'
export { startRenderUpload } from './send-message.js'
export type { RenderUpload, SendMessageWithRenderInput, UploadEvents } from './send-message.js'
export type { paths } from './generated/api.js'
