declare module '@20minutes/s3rver' {
  import type { IncomingMessage, ServerResponse } from 'node:http'

  interface S3rverOptions {
    directory?: string
    silent?: boolean
    address?: string
    port?: number
    configureBuckets?: Array<{ name: string, configs?: Array<string | Buffer> }>
  }

  /** s3rver's filesystem store: the methods its controllers call once a request is authenticated. */
  export interface S3rverStore {
    putObject (object: { bucket: string, key: string }): Promise<unknown>
    copyObject (srcBucket: string, srcKey: string, destBucket: string, destKey: string, metadata?: unknown): Promise<unknown>
    deleteObject (bucket: string, key: string): Promise<void>
    existsObject (bucket: string, key: string): Promise<boolean>
    initiateUpload (bucket: string, key: string, uploadId: string, metadata: unknown): Promise<void>
    /** Writes an object's or a part's bytes to its file; resolves with [size, md5]. */
    putContent (path: string, content: NodeJS.ReadableStream | Buffer): Promise<[number, string]>
  }

  /** The Koa context as s3rver leaves it (its router sets params, its authentication sets state.account). */
  export interface S3rverContext {
    method: string
    query: Record<string, string | string[] | undefined>
    params?: { bucket?: string, key?: string }
    state: { account?: unknown }
    status: number
    body: unknown
    get (header: string): string
  }

  export type S3rverMiddleware = (ctx: S3rverContext, next: () => Promise<void>) => Promise<void>

  /** The parts of s3rver (a Koa app) this service uses. */
  export default class S3rver {
    constructor (options?: S3rverOptions)
    store: S3rverStore
    /** Koa's middleware list; the router is the last entry. */
    middleware: S3rverMiddleware[]
    configureBuckets (): Promise<void>
    callback (): (request: IncomingMessage, response: ServerResponse) => Promise<void>
    logger: { close (): void, exceptions: { unhandle (): void } }
  }
}
