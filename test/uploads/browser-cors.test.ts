import http from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { useChromium } from '../support/chromium.js'
import type { Page } from 'playwright-core'
import { API_TOKEN, build, listen } from '../helper.js'
import { makeMp3Tone } from '../support/audio.js'


/**
 * A web app on its own origin: a real local HTTP server (a page fulfilled by playwright counts as
 * public address space, and Chromium then blocks its requests to loopback).
 */
async function servePage (t: Parameters<typeof build>[0], mp3: Buffer): Promise<string> {
  const server = http.createServer((request, response) => {
    if (request.url === '/render.mp3') return response.writeHead(200, { 'content-type': 'audio/mpeg' }).end(mp3)
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>web app</title>')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** What the web app does: ask the API for an upload URL, PUT the file to storage, complete. */
async function uploadFromPage (page: Page, api: string) {
  return page.evaluate(async ({ api, token }) => {
    const steps: Record<string, unknown> = {}
    try {
      const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }
      const file = await (await fetch('/render.mp3')).arrayBuffer()
      const issued = await fetch(`${api}/api/v1/uploads`, { method: 'POST', headers: auth, body: JSON.stringify({ format: 'mp3', size_bytes: file.byteLength }) })
      steps.issued = issued.status
      const ticket = await issued.json()
      const put = await fetch(ticket.upload.url, { method: 'PUT', headers: ticket.upload.headers, body: file })
      steps.put = put.status
      const completed = await fetch(`${api}/api/v1/uploads/${ticket.render_id}/complete`, { method: 'POST', headers: auth, body: '{}' })
      steps.completed = completed.status
      steps.render = await completed.json()
    } catch (err) {
      steps.error = String(err)
    }
    return steps
  }, { api, token: API_TOKEN })
}

const chromium = useChromium(t)
if (chromium !== null) {
  const browser = chromium

  t.test('a page on an allowed origin gets an upload URL, PUTs to storage and completes; another origin is blocked', async (t) => {
    const mp3 = makeMp3Tone({ seconds: 1, kbps: 128 })
    const allowedOrigin = await servePage(t, mp3)
    const otherOrigin = await servePage(t, mp3)
    const { app } = await build(t, { CORS_ORIGINS: `https://app.example.com,${allowedOrigin}` })
    const api = await listen(app)
    t.not(new URL(api).origin, allowedOrigin, 'the API is another origin than the page')

    const page = await browser().newPage()
    t.teardown(() => page.close())
    await page.goto(`${allowedOrigin}/`)
    const steps = await uploadFromPage(page, api)
    t.equal(steps.error, undefined, `no browser error: ${steps.error}`)
    t.match(steps, { issued: 201, put: 200, completed: 200, render: { size_bytes: mp3.length, format: 'mp3' } })
    const render = steps.render as { id: string }
    t.equal((await app.repository.findRender(render.id))?.state, 'ready')

    await page.goto(`${otherOrigin}/`)
    const blocked = await uploadFromPage(page, api)
    t.match(blocked, { error: /Failed to fetch/ }, 'the browser refuses the API\'s answer to an origin not in CORS_ORIGINS')
    t.equal(blocked.issued, undefined)
  })
}
