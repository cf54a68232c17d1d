import path from 'node:path'
import type { AppConfig } from '../../config.js'
import { rendersPrefix } from '../renders/render-keys.js'
import { corsOrigins } from './cors-origins.js'
import { startEmbeddedS3 } from './embedded-s3.js'
import { createS3Storage } from './s3-storage.js'
import type { ObjectStorage } from './types.js'

/** The storage factory: the same S3 code path for the embedded server, tests and production. */
export async function createStorage (config: AppConfig, clock?: () => Date): Promise<ObjectStorage> {
  const shared = {
    clock,
    region: config.S3_REGION,
    bucket: config.S3_BUCKET_NAME,
    publicBaseUrl: config.S3_PUBLIC_BASE_URL,
    acl: config.RENDER_ACL
  }
  if (!config.embeddedStorage) {
    return createS3Storage({
      ...shared,
      endpoint: config.S3_ENDPOINT_URL!,
      accessKeyId: config.S3_ACCESS_KEY!,
      secretAccessKey: config.S3_SECRET_KEY!,
      forcePathStyle: config.S3_FORCE_PATH_STYLE
    })
  }
  const embedded = await startEmbeddedS3({
    directory: path.join(config.DATA_DIR, 's3'),
    port: config.EMBEDDED_S3_PORT,
    bucket: config.S3_BUCKET_NAME,
    corsOrigins: corsOrigins(config.CORS_ORIGINS),
    publicReadPrefix: config.RENDER_ACL === 'public-read' ? rendersPrefix(config.ENV) : null
  })
  return createS3Storage({
    ...shared,
    endpoint: embedded.endpoint,
    accessKeyId: embedded.accessKeyId,
    secretAccessKey: embedded.secretAccessKey,
    forcePathStyle: true,
    onClose: () => embedded.close()
  })
}
