import Fastify from 'fastify'
import fp from 'fastify-plugin'
import closeWithGrace from 'close-with-grace'
import renderServiceApp from './app.js'
import { ConfigError, loadConfig } from './config.js'
import { serverOptions } from './services/http/server-options.js'

async function start () {
  let config
  try {
    config = loadConfig()
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    console.error(err.message)
    process.exit(1)
  }

  const app = Fastify(serverOptions(config))
  await app.register(fp(renderServiceApp), { config })

  closeWithGrace({ delay: 10_000 }, async ({ err }) => {
    if (err !== undefined) app.log.error({ err }, 'shutting down after an error')
    await app.close()
  })

  try {
    await app.ready()
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message)
      process.exit(1)
    }
    throw err
  }
  const address = await app.listen({ host: config.HOST, port: config.PORT })
  announce(app, address, config.API_TOKEN === undefined)
}

/** What a newcomer needs to try the service: where it is, the token, where the data lives. */
function announce (app: Awaited<ReturnType<typeof Fastify>>, address: string, tokenGenerated: boolean) {
  const { config } = app
  const lines = [
    `Render service listening on ${address}  (API docs: ${address}/docs)`,
    `Database: ${config.MONGODB_URL !== undefined ? 'MongoDB' : `SQLite at ${config.DATA_DIR}/render-service.sqlite`}`,
    `Storage: ${config.embeddedStorage ? `embedded S3 server at ${app.storage.publicUrl('').replace(/\/$/, '')} (objects in ${config.DATA_DIR}/s3)` : `bucket ${config.S3_BUCKET_NAME} at ${config.S3_ENDPOINT_URL}`}`
  ]
  if (tokenGenerated) {
    lines.push(`API token (generated, kept in ${config.DATA_DIR}/api-token): ${config.API_TOKEN}`)
  }
  console.log(lines.join('\n'))
}

start().catch((err) => {
  console.error('Failed to start:', err instanceof Error ? err.message : err)
  process.exit(1)
})
