import Fastify from 'fastify'
import { CreateUploadSchema, UploadTicketSchema } from '../schemas/uploads.js'

/**
 * The baselines, with the same logger level as the service: a hello-world route, and a bare POST
 * that parses, validates and serializes the same shapes as the upload-URL endpoint but does no
 * work (the service's own schemas), so the bench can tell Fastify's own cost from ours.
 */
const app = Fastify({ logger: { level: process.env.LOG_LEVEL ?? 'warn' } })
app.get('/hello', async () => ({ hello: 'world' }))

const SAMPLE_URL = 'http://127.0.0.1:4568/renders/dev/renders/00000000-0000-7000-8000-000000000000.mp3?X-Amz-Algorithm=AWS4-HMAC-SHA256' +
  '&X-Amz-Credential=S3RVER%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-Expires=900' +
  '&X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost%3Bx-amz-acl&X-Amz-Signature=' + '0'.repeat(64)

app.post('/ticket-shape', {
  schema: {
    body: CreateUploadSchema,
    response: { 201: UploadTicketSchema }
  }
}, async (_request, reply) => reply.code(201).send({
  render_id: '00000000-0000-7000-8000-000000000000',
  key: 'dev/renders/00000000-0000-7000-8000-000000000000.mp3',
  upload: { method: 'PUT', url: SAMPLE_URL, headers: { 'content-type': 'audio/mpeg', 'content-length': '2500000', 'x-amz-acl': 'public-read' }, expires_at: new Date().toISOString() }
}))

const address = await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) })
console.log(`listening ${address}`)
