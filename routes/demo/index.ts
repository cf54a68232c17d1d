import fs from 'node:fs'
import path from 'node:path'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { AppConfig } from '../../config.js'

const template = fs.readFileSync(path.join(import.meta.dirname, 'upload-page.html'), 'utf8')

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`)

/** 86400 → "24 hours", 90 → "90 seconds". */
function readableSeconds (seconds: number) {
  const units: Array<[number, string]> = [[86_400, 'day'], [3600, 'hour'], [60, 'minute']]
  for (const [size, name] of units) {
    if (seconds >= size && seconds % size === 0) {
      const count = seconds / size
      return name === 'day' && count === 1 ? '24 hours' : `${count} ${name}${count === 1 ? '' : 's'}`
    }
  }
  return `${seconds} second${seconds === 1 ? '' : 's'}`
}

/** The page with this service's token location and sweep delay written in. */
function renderPage (config: AppConfig) {
  const tokenHelp = config.embeddedStorage
    ? 'The token is the service\'s API_TOKEN; when none is set, the one it generated is printed at start ' +
      `and kept in DATA_DIR/api-token (here ${config.DATA_DIR}/api-token).`
    : 'The token is the service\'s API_TOKEN.'
  const sweepHelp = 'Renders uploaded here are not attached to a message, so the cleanup deletes them after ' +
    `ORPHAN_GRACE_SECONDS (here ${config.ORPHAN_GRACE_SECONDS}, ${readableSeconds(config.ORPHAN_GRACE_SECONDS)}).` +
    (config.CLEANUP_INTERVAL_SECONDS === 0 ? ' Automatic cleanup is off here (CLEANUP_INTERVAL_SECONDS=0): run npm run cleanup.' : '')
  return template
    .replace('{{tokenHelp}}', escapeHtml(tokenHelp))
    .replace('{{sweepHelp}}', escapeHtml(sweepHelp))
}

/** A small page that uploads a render from a browser, straight to storage. */
const demoRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const page = renderPage(fastify.config)
  fastify.get('/upload', {
    schema: {
      tags: ['Demo'],
      summary: 'A web page that uploads an audio file with a presigned URL and plays it',
      security: [],
      response: { 200: Type.String() }
    }
  }, async (_request, reply) => reply.type('text/html; charset=utf-8').send(page))
}

export default demoRoutes
