import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import S3rver from '@20minutes/s3rver'
import { mayPass } from './embedded-s3-access.js'
import { openAclRegistry, trackObjectAcls } from './embedded-s3-acl.js'
import { removeStalePartials, writeObjectsWhole } from './embedded-s3-whole-writes.js'

export interface EmbeddedS3Options {
  directory: string
  /** 0 picks a free port. */
  port: number
  bucket: string
  corsOrigins: string[]
  /**
   * Objects under this prefix with a public-read ACL may be read (GET/HEAD) unsigned; objects stored
   * before ACLs were tracked (no ACL recorded) count as public-read. Null: no object may.
   */
  publicReadPrefix: string | null
}

export interface EmbeddedS3 {
  endpoint: string
  accessKeyId: string
  secretAccessKey: string
  close (): Promise<void>
}

/** s3rver's built-in account; it verifies SigV4 signatures and expiry against it. */
export const EMBEDDED_S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }

function corsXml (origins: string[]) {
  const allowed = origins.map((origin) => `<AllowedOrigin>${origin}</AllowedOrigin>`).join('')
  return `<CORSConfiguration><CORSRule>${allowed}<AllowedMethod>GET</AllowedMethod><AllowedMethod>HEAD</AllowedMethod>` +
    '<AllowedMethod>PUT</AllowedMethod><AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader>' +
    '<MaxAgeSeconds>3000</MaxAgeSeconds></CORSRule></CORSConfiguration>'
}

/** S3's answer to an anonymous request it does not allow; the connection closes so an unread body is not drained. */
function accessDenied (response: http.ServerResponse) {
  response.writeHead(403, { 'content-type': 'application/xml', connection: 'close' })
  response.end('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>')
}

/**
 * The embedded S3-compatible server for running and testing without a cloud account.
 * s3rver serves requests with no signature at all (listings, bucket settings, writes); a real
 * bucket does not, so a front refuses every unsigned request but CORS preflights and reads of
 * public objects before it reaches s3rver. s3rver ignores ACLs; embedded-s3-acl.ts keeps them. It
 * stores the bytes of a cut-off PUT; embedded-s3-whole-writes.ts keeps only whole ones.
 */
export async function startEmbeddedS3 (options: EmbeddedS3Options): Promise<EmbeddedS3> {
  fs.mkdirSync(options.directory, { recursive: true })
  const partialDirectory = `${options.directory}-partial`
  fs.mkdirSync(partialDirectory, { recursive: true })
  await removeStalePartials(partialDirectory)
  const s3rver = new S3rver({
    directory: options.directory,
    silent: true,
    configureBuckets: [{ name: options.bucket, configs: [corsXml(options.corsOrigins)] }]
  })
  await s3rver.configureBuckets()
  writeObjectsWhole(s3rver, partialDirectory)
  const acls = openAclRegistry(path.join(options.directory, 'object-acls.sqlite'))
  trackObjectAcls(s3rver, acls)
  const handle = s3rver.callback()
  const rules = {
    bucket: options.bucket,
    publicReadPrefix: options.publicReadPrefix,
    isPublic: (key: string) => (acls.get(options.bucket, key) ?? 'public-read') === 'public-read'
  }
  const server = http.createServer((request, response) => {
    if (!mayPass(request, rules)) return accessDenied(response)
    void handle(request, response)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  return {
    endpoint: `http://127.0.0.1:${port}`,
    ...EMBEDDED_S3_CREDENTIALS,
    async close () {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeAllConnections()
      await closed
      s3rver.logger.exceptions.unhandle()
      s3rver.logger.close()
      acls.close()
    }
  }
}
