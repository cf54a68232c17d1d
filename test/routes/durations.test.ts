import t from 'tap'
import { API_TOKEN, bearer, build, createMessage, createThread, listen, writeLegacyMessage } from '../helper.js'
import { makeMp3Tone } from '../support/audio.js'

t.test('every render duration is written with a fractional part, as the original server did', async (t) => {
  const { app } = await build(t)
  const baseUrl = await listen(app)
  const mp3 = makeMp3Tone({ seconds: 1 })

  const whole = await fetchText(baseUrl, mp3, '3')
  t.match(whole.text, /"duration":3\.0[,}]/, 'the upload answer says 3.0')
  const half = await fetchText(baseUrl, mp3, '2.5')
  t.match(half.text, /"duration":2\.5[,}]/, '2.5 stays 2.5')

  const render = await app.inject({ url: `/api/v1/renders/${whole.id}`, headers: bearer() })
  t.match(render.body, /"duration":3\.0[,}]/, 'GET /renders/{id}')

  const thread = await createThread(app)
  const message = await createMessage(app, thread.id, { snapshot: { duration: 3, tracks: [{ duration: 4 }] } })
  const attach = await app.inject({ method: 'POST', url: `/api/v1/messages/${message.id}/renders`, headers: bearer(), payload: { render: { id: whole.id, url: JSON.parse(whole.text).url } } })
  t.equal(attach.statusCode, 200)
  const fetched = await app.inject({ url: `/api/v1/messages/${message.id}`, headers: bearer() })
  t.match(fetched.body, /"renders":\[\{[^\]]*"duration":3\.0[,}]/, 'a message\'s renders')
  t.match(fetched.body, /"snapshot":\{"duration":3,"tracks":\[\{"duration":4\}\]\}/, 'free-form snapshot numbers are left as sent')
  const page = await app.inject({ url: `/api/v1/threads/${thread.id}/messages`, headers: bearer() })
  t.match(page.body, /"duration":3\.0[,}]/, 'a thread\'s message page')
  t.same(page.json().messages[0].renders[0].duration, 3, 'and it is still the number 3')

  await writeLegacyMessage(app, {
    id: 'legacy-1', parent_thread: thread.id, user_id: 'u1', snapshot: {}, snapshot_metadata: null,
    renders: [{ id: 'r-legacy', url: 'https://example.com/r.mp3', format: 'mp3', created_at: '2025-10-05T18:30:00Z' }],
    timestamp: '2025-10-05T18:30:00.000Z', created_at: '2025-10-05T18:30:00.000Z'
  })
  const legacy = await app.inject({ url: '/api/v1/messages/legacy-1', headers: bearer() })
  t.match(legacy.body, /"duration":null/, 'an unknown duration stays null')
})

/** The seed's multipart upload; the answer as raw text, since JSON.parse cannot tell 3.0 from 3. */
async function fetchText (baseUrl: string, mp3: Buffer, duration: string) {
  const form = new FormData()
  form.append('token', API_TOKEN)
  form.append('duration', duration)
  form.append('file', new Blob([new Uint8Array(mp3)], { type: 'audio/mpeg' }), 'render.mp3')
  const res = await fetch(`${baseUrl}/api/v1/upload/audio`, { method: 'POST', body: form })
  if (res.status !== 200) throw new Error(`upload failed: ${res.status}`)
  const text = await res.text()
  return { id: (JSON.parse(text) as { id: string }).id, text }
}
