import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { startEmbeddedS3 } from '../services/storage/embedded-s3.js'

/** An S3 server in its own process, so the upload bench does not count its memory in the service's. */
const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-s3-'))
const s3 = await startEmbeddedS3({ directory, port: 0, bucket: 'renders', corsOrigins: ['*'], publicReadPrefix: 'dev/renders/' })
console.log(`listening ${s3.endpoint}`)
process.once('SIGTERM', () => {
  void s3.close().finally(() => {
    fs.rmSync(directory, { recursive: true, force: true })
    process.exit(0)
  })
})
