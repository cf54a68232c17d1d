import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import type { BrowserContext, Page } from 'playwright-core'
import { WEB_APP_DIR } from '../../routes/app/index.js'
import { rendersPrefix } from '../../services/renders/render-keys.js'
import { startEmbeddedS3, type EmbeddedS3 } from '../../services/storage/embedded-s3.js'
import { buildWebApp } from '../../web/build.js'
import { API_TOKEN, bearer, build, listen, userToken } from '../helper.js'
import { makeMp3Tone } from '../support/audio.js'
import { useChromium } from '../support/chromium.js'

/** Screenshots of each state, for a person to look at after a run (git-ignored). */
const ARTIFACTS = path.join(import.meta.dirname, '..', '..', 'test-artifacts', 'web-client')
const WAIT = { timeout: 30_000 }

const chromium = useChromium(t)
if (chromium !== null) {
  const browser = chromium
  t.setTimeout(240_000)

  const files = fs.mkdtempSync(path.join(os.tmpdir(), 'web-client-'))
  const take = path.join(files, 'take.mp3')
  const secondTake = path.join(files, 'second-take.mp3')
  fs.writeFileSync(take, makeMp3Tone({ seconds: 6, kbps: 64 }))
  fs.writeFileSync(secondTake, makeMp3Tone({ seconds: 2, kbps: 64, frequency: 660 }))
  t.teardown(() => fs.rmSync(files, { recursive: true, force: true }))

  /** Storage the test can stop and start again on the same port and directory. */
  async function stoppableStorage () {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'web-client-s3-'))
    const options = { directory, bucket: 'renders', corsOrigins: ['*'], publicReadPrefix: rendersPrefix('dev') }
    let s3: EmbeddedS3 = await startEmbeddedS3({ ...options, port: 0 })
    const port = Number(new URL(s3.endpoint).port)
    t.teardown(async () => { await s3.close(); fs.rmSync(directory, { recursive: true, force: true }) })
    return {
      s3: () => s3,
      stop: () => s3.close(),
      async start () { s3 = await startEmbeddedS3({ ...options, port }) }
    }
  }

  async function openThread (context: BrowserContext, baseUrl: string, token: string, threadId: string): Promise<Page> {
    const page = await context.newPage()
    await page.goto(`${baseUrl}/app/#token=${encodeURIComponent(token)}`)
    await page.click(`[data-testid="thread-item"][data-thread-id="${threadId}"] button`, WAIT)
    return page
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true })

  /** The <audio> element of the first player in the page's newest message. */
  const newestAudio = (page: Page) => page.evaluate(() => {
    const audio = document.querySelector<HTMLAudioElement>('[data-testid="message"] audio')!
    return { time: audio.currentTime, paused: audio.paused }
  })

  t.before(() => buildWebApp(WEB_APP_DIR))

  t.test('/app serves the bundle; the page carries no token of the service', async (t) => {
    const { app } = await build(t)
    const redirect = await app.inject({ method: 'GET', url: '/app' })
    t.equal(redirect.statusCode, 302)
    t.equal(redirect.headers.location, '/app/', 'the page\'s scripts load relative to /app/')
    const page = await app.inject({ method: 'GET', url: '/app/' })
    t.equal(page.statusCode, 200)
    t.match(page.headers['content-type'], /^text\/html/)
    t.match(page.body, '<script type="module" src="app.js">')
    const script = await app.inject({ method: 'GET', url: '/app/app.js' })
    t.match(script.headers['content-type'], /javascript/)
    t.match(script.body, 'data-testid', 'the bundled client')
    for (const body of [page.body, script.body]) t.notOk(body.includes(API_TOKEN), 'no service token in what the page loads')
    t.equal((await app.inject({ method: 'GET', url: '/app/nothing-here.js' })).statusCode, 404)
  })

  t.test('two users of one thread: send with a render, play, seek, replay offline; a failed upload is retried', async (t) => {
    const storage = await stoppableStorage()
    const { app } = await build(t, {
      S3_ENDPOINT_URL: storage.s3().endpoint,
      S3_ACCESS_KEY: storage.s3().accessKeyId,
      S3_SECRET_KEY: storage.s3().secretAccessKey,
      S3_FORCE_PATH_STYLE: true,
      S3_BUCKET_NAME: 'renders'
    })
    const baseUrl = await listen(app)
    const created = await app.inject({ method: 'POST', url: '/api/v1/threads', headers: bearer(), payload: { title: 'two users', users: ['alice', 'bob'] } })
    const thread = created.json<{ id: string }>()
    const tokenA = await userToken('alice')
    const tokenB = await userToken('bob')
    const contextA = await browser().newContext()
    const contextB = await browser().newContext()
    t.teardown(async () => { await contextA.close(); await contextB.close() })

    // A: the message appears at once, "Uploading audio…" while its PUT is held, then a player.
    const pageA = await openThread(contextA, baseUrl, tokenA, thread.id)
    t.equal(new URL(pageA.url()).hash, '', 'the token is taken out of the address bar')
    t.equal(await pageA.textContent('[data-testid="me"]'), 'alice')
    let releasePut!: () => void
    const putHeld = new Promise<void>((resolve) => { releasePut = resolve })
    await contextA.route(`${storage.s3().endpoint}/**`, async (route) => {
      if (route.request().method() === 'PUT') await putHeld
      await route.continue()
    })
    await pageA.setInputFiles('[data-testid="compose-file"]', take)
    await pageA.fill('[data-testid="compose-text"]', 'first take')
    await pageA.click('[data-testid="send"]')
    const messageA = pageA.locator('[data-testid="message"]').first()
    await messageA.locator('[data-testid="uploading"]').waitFor(WAIT)
    t.match(await messageA.textContent(), /Uploading audio… \d+ %/)
    t.match(await messageA.locator('pre').textContent(), /"note": "first take"/, 'the snapshot shows as pretty JSON')
    await shot(pageA, '1-a-uploading')
    releasePut()
    await messageA.locator('[data-testid="play"]').waitFor(WAIT)
    await messageA.locator('[data-testid="uploading"]').waitFor({ state: 'detached', ...WAIT })
    await contextA.unroute(`${storage.s3().endpoint}/**`)
    await shot(pageA, '2-a-player')
    await app.analysisQueue.runDue() // its waveform, which B's player draws

    // B: sees A's message, plays it from storage while it downloads, seeks to the middle.
    const pageB = await openThread(contextB, baseUrl, tokenB, thread.id)
    const messageB = pageB.locator('[data-testid="message"]').first()
    await messageB.locator('[data-testid="play"]').waitFor(WAIT)
    t.match(await messageB.locator('pre').textContent(), /first take/)
    t.equal(await messageB.locator('[data-testid="author"]').textContent(), 'alice', 'B sees A as the author')
    t.equal(await messageB.locator('[data-testid="uploading"]').count(), 0, 'B sees no upload status for A\'s message')
    t.equal(await messageB.locator('[data-testid="duration"]').textContent(), '0:06')
    await messageB.locator('[data-testid="play"]').click()
    await messageB.locator('[data-testid="pause"]').waitFor(WAIT)
    t.equal(await messageB.locator('.player').getAttribute('data-source'), 'stream', 'another user\'s render streams from storage')
    await pageB.waitForFunction(() => document.querySelector<HTMLAudioElement>('[data-testid="message"] audio')!.currentTime > 0.2, null, WAIT)
    const seekBar = await messageB.locator('[data-testid="seek"]').boundingBox()
    const y = seekBar!.y + seekBar!.height / 2
    await pageB.mouse.move(seekBar!.x + 4, y)
    await pageB.mouse.down()
    await pageB.mouse.move(seekBar!.x + seekBar!.width / 2, y, { steps: 4 })
    await pageB.mouse.up()
    const afterSeek = await newestAudio(pageB)
    t.ok(afterSeek.time > 2.2 && afterSeek.time < 4, `the position jumped to the middle (${afterSeek.time} s)`)
    t.match(await messageB.locator('[data-testid="position"]').textContent(), /^0:0[234]$/)
    await pageB.waitForFunction((from) => {
      const audio = document.querySelector<HTMLAudioElement>('[data-testid="message"] audio')!
      return !audio.paused && audio.currentTime > from + 0.3
    }, afterSeek.time, WAIT)
    t.pass('playback goes on after the seek')

    // The waveform, drawn by wavesurfer.js from the service's peaks: a click at three quarters seeks there.
    const waveform = messageB.locator('[data-testid="waveform"]')
    await waveform.locator('canvas').first().waitFor(WAIT)
    const box = await waveform.boundingBox()
    await pageB.mouse.click(box!.x + box!.width * 0.75, box!.y + box!.height / 2)
    const afterClick = await newestAudio(pageB)
    t.ok(afterClick.time > 4.2 && afterClick.time < 5.8, `a click on the waveform seeks to three quarters (${afterClick.time} s)`)
    await messageB.locator('[data-testid="download-progress"]').waitFor({ state: 'detached', ...WAIT })
    await shot(pageB, '3-b-playing-after-seek')

    // B, offline, in a new tab: the render replays from the Cache API.
    const pageB2 = await openThread(contextB, baseUrl, tokenB, thread.id)
    const messageB2 = pageB2.locator('[data-testid="message"]').first()
    await messageB2.locator('[data-testid="play"]').waitFor(WAIT)
    await contextB.setOffline(true)
    await messageB2.locator('[data-testid="play"]').click()
    await pageB2.waitForFunction(() => document.querySelector<HTMLAudioElement>('[data-testid="message"] audio')!.currentTime > 0.2, null, WAIT)
    t.equal(await messageB2.locator('.player').getAttribute('data-source'), 'cache', 'played from the cache while offline')
    await shot(pageB2, '4-b-offline-replay')
    await contextB.setOffline(false)

    // Storage stopped: A's next upload fails and offers Retry; Retry succeeds once storage is back.
    await storage.stop()
    await pageA.setInputFiles('[data-testid="compose-file"]', secondTake)
    await pageA.fill('[data-testid="compose-text"]', 'second take')
    await pageA.click('[data-testid="send"]')
    const failedMessage = pageA.locator('[data-testid="message"]').first()
    await failedMessage.locator('[data-testid="retry"]').waitFor({ timeout: 60_000 })
    t.match(await failedMessage.locator('pre').textContent(), /second take/, 'the failed upload is under the newest own message')
    t.equal(await pageA.locator('[data-testid="retry"]').count(), 1)
    await shot(pageA, '5-a-upload-failed')
    await storage.start()
    await failedMessage.locator('[data-testid="retry"]').click()
    await failedMessage.locator('[data-testid="play"]').waitFor({ timeout: 60_000 })
    t.equal(await pageA.locator('[data-testid="retry"]').count(), 0)
    await failedMessage.locator('[data-testid="play"]').click()
    await pageA.waitForFunction(() => document.querySelector<HTMLAudioElement>('[data-testid="message"] audio')!.currentTime > 0.1, null, WAIT)
    t.equal(await failedMessage.locator('.player').getAttribute('data-source'), 'local', 'an own upload plays from the local file')
    await shot(pageA, '6-a-retried')
    const messages = (await app.inject({ method: 'GET', url: `/api/v1/threads/${thread.id}/messages`, headers: bearer() })).json()
    t.same(messages.messages.map((m: { user_id: string, renders: unknown[] }) => [m.user_id, m.renders.length]), [['alice', 1], ['alice', 1]],
      'both messages are alice\'s and have their render')
  })

  t.test('the service token is refused as a page identity; a user token signs in', async (t) => {
    const { app } = await build(t)
    const baseUrl = await listen(app)
    const page = await browser().newPage()
    t.teardown(() => page.close())
    await page.goto(`${baseUrl}/app/#token=${API_TOKEN}`)
    await page.locator('.error').waitFor(WAIT)
    t.match(await page.textContent('.error'), /not a user token/)
    t.equal(await page.locator('[data-testid="thread-list"]').count(), 0)
    await page.fill('[data-testid="token"]', await userToken('carol'))
    await page.press('[data-testid="token"]', 'Enter')
    await page.locator('[data-testid="me"]').waitFor(WAIT)
    t.equal(await page.textContent('[data-testid="me"]'), 'carol')
    t.equal(await page.locator('[data-testid="thread-list"]').count(), 1, 'the threads show')
    t.equal(await page.evaluate(() => Object.keys(localStorage).length), 0, 'nothing kept beyond the tab')
  })

  t.test('a microphone recording is encoded to MP3 in a worker and sent as a render', async (t) => {
    const { app } = await build(t)
    const baseUrl = await listen(app)
    const thread = (await app.inject({ method: 'POST', url: '/api/v1/threads', headers: bearer(), payload: { title: 'mic', users: ['erin'] } })).json<{ id: string }>()
    const context = await browser().newContext()
    t.teardown(() => context.close())
    const page = await openThread(context, baseUrl, await userToken('erin'), thread.id)
    await page.click('[data-testid="record"]', WAIT)
    // The fake microphone has been heard once the recorder has produced its first data.
    await page.waitForFunction(() => Number(document.querySelector<HTMLElement>('[data-testid="recording"]')?.dataset.pieces ?? 0) > 0, null, WAIT)
    await page.click('[data-testid="record"]')
    await page.locator('.compose .status', { hasText: /^recording-.*\.mp3/ }).waitFor(WAIT)
    await page.click('[data-testid="send"]')
    const message = page.locator('[data-testid="message"]').first()
    await message.locator('[data-testid="play"]').waitFor(WAIT)
    const stored = (await app.inject({ method: 'GET', url: `/api/v1/threads/${thread.id}/messages`, headers: bearer() })).json()
    const render = stored.messages[0].renders[0]
    t.equal(render.format, 'mp3')
    t.ok(render.duration > 0, `the service measured the MP3: ${render.duration} s at ${render.bitrate} kbps`)
  })

  t.test('load older: the newest page first, older messages below on demand', async (t) => {
    const { app } = await build(t)
    const baseUrl = await listen(app)
    const thread = (await app.inject({ method: 'POST', url: '/api/v1/threads', headers: bearer(), payload: { title: 'long', users: ['dana'] } })).json<{ id: string }>()
    for (let i = 1; i <= 12; i++) {
      await app.inject({ method: 'POST', url: '/api/v1/messages', headers: bearer(), payload: { parent_thread: thread.id, user_id: 'dana', snapshot: { take: i } } })
    }
    const context = await browser().newContext()
    t.teardown(() => context.close())
    const page = await openThread(context, baseUrl, await userToken('dana'), thread.id)
    await page.locator('[data-testid="load-older"]').waitFor(WAIT)
    const takes = () => page.$$eval('[data-testid="message"] pre', (nodes) => nodes.map((node) => JSON.parse(node.textContent!).take))
    t.same(await takes(), [12, 11, 10, 9, 8, 7, 6, 5, 4, 3], 'newest first, one page')
    await page.click('[data-testid="load-older"]')
    await page.locator('[data-testid="load-older"]').waitFor({ state: 'detached', ...WAIT })
    t.same(await takes(), [12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1])
  })
}
