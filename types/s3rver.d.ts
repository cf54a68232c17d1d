declare module '@20minutes/s3rver' {
  import type { IncomingMessage, ServerResponse } from 'node:http'

  interface S3rverOptions {
    directory?: string
    silent?: boolean
    address?: string
    port?: number
    configureBuckets?: Array<{ name: string, configs?: Array<string | Buffer> }>
  }

  /** The parts of s3rver (a Koa app) this service uses. */
  export default class S3rver {
    constructor (options?: S3rverOptions)
    configureBuckets (): Promise<void>
    callback (): (request: IncomingMessage, response: ServerResponse) => Promise<void>
    logger: { close (): void, exceptions: { unhandle (): void } }
  }
}
