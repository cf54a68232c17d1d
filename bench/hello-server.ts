import Fastify from 'fastify'

/** The baseline: a bare Fastify hello-world route with the same logger level as the service. */
const app = Fastify({ logger: { level: process.env.LOG_LEVEL ?? 'warn' } })
app.get('/hello', async () => ({ hello: 'world' }))
const address = await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) })
console.log(`listening ${address}`)
