import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { useChromium } from '../support/chromium.js'
import { API_TOKEN, build, listen } from '../helper.js'
import { makeMp3Tone } from '../support/audio.js'


const chromium = useChromium(t)
if (chromium !== null) {
  const browser = chromium

  const mp3File = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'browser-mp3-')), 'render.mp3')
  fs.writeFileSync(mp3File, makeMp3Tone({ seconds: 3, kbps: 128 }))

  async function uploadFromPage (pageUrl: string) {
    const page = await browser().newPage()
    try {
      await page.goto(pageUrl)
      await page.fill('#token', API_TOKEN)
      await page.setInputFiles('#file', mp3File)
      await page.click('#send')
      await page.waitForFunction(() => document.body.dataset.duration !== undefined || document.body.dataset.error !== undefined, null, { timeout: 20_000 })
      if (await page.evaluate(() => document.body.dataset.error) === undefined) {
        // The status follows the player: "playing" once it plays (a 3 s tone may already have ended).
        await page.waitForFunction(() => /^(playing|ended): render /.test(document.querySelector('#status')!.textContent!), null, { timeout: 20_000 })
      }
      return await page.evaluate((): Record<string, string | undefined> => ({
        ...document.body.dataset,
        status: document.querySelector('#status')!.textContent!,
        muted: String(document.querySelector<HTMLAudioElement>('#player')!.muted)
      }))
    } finally {
      await page.close()
    }
  }

  t.test('a web page PUTs an MP3 cross-origin straight to storage and plays it', async (t) => {
    const { app } = await build(t)
    const baseUrl = await listen(app)
    t.not(new URL(app.storage.publicUrl('x')).origin, baseUrl, 'storage is another origin than the page')
    const result = await uploadFromPage(`${baseUrl}/demo/upload`)
    t.equal(result.error, undefined, `no error: ${result.error}`)
    t.ok(Math.abs(Number(result.duration) - 3) < 0.2, `the <audio> element reports ${result.duration} s`)
    t.equal(result.muted, 'false', 'the player is not muted')
    t.match(result.status, new RegExp(`^(playing|ended): render ${result.renderId}$`), 'the status follows the player')
    const render = await app.repository.findRender(result.renderId!)
    t.equal(render?.state, 'ready')
  })

  t.test('the page says where the token is and when unattached uploads go; it asks for a file before uploading', async (t) => {
    const { app, dataDir } = await build(t, { ORPHAN_GRACE_SECONDS: 7200 })
    const baseUrl = await listen(app)
    const page = await browser().newPage()
    t.teardown(() => page.close())
    await page.goto(`${baseUrl}/demo/upload`)
    t.match(await page.textContent('#token-help'), `kept in DATA_DIR/api-token (here ${dataDir}/api-token)`)
    t.match(await page.textContent('#sweep-help'), 'deletes them after ORPHAN_GRACE_SECONDS (here 7200, 2 hours)')

    await page.click('#send')
    t.equal(await page.textContent('#status'), 'Enter the API token first (see the note under the field).')
    await page.fill('#token', API_TOKEN)
    await page.click('#send')
    t.equal(await page.textContent('#status'), 'Choose an audio file first.')
    t.same(await page.evaluate(() => document.body.dataset.renderId), undefined, 'nothing was uploaded')
  })

  t.test('the same upload fails when the page\'s origin is not in CORS_ORIGINS', async (t) => {
    const { app } = await build(t, { CORS_ORIGINS: 'https://app.example.com' })
    const baseUrl = await listen(app)
    const result = await uploadFromPage(`${baseUrl}/demo/upload`)
    t.match(result.error, /Failed to fetch|storage refused/, `the browser blocks the PUT: ${result.error}`)
  })
}
