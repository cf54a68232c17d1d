import t from 'tap'
import { ADMIN_TOKEN, API_TOKEN, bearer, build, createThread, listen, uploadAudio } from '../helper.js'
import { makeMp3Tone } from '../support/audio.js'

t.test('no token reaches the log, wherever the client puts it', async (t) => {
  // trace: the most talkative level, where plugins log their options too.
  const { app, logs } = await build(t, { LOG_LEVEL: 'trace' })
  const baseUrl = await listen(app)
  const thread = await createThread(app)
  const threadUrl = `/api/v1/threads/${thread.id}`

  const accepted: Array<[string, { method?: 'GET' | 'POST', url: string, headers?: Record<string, string>, payload?: Record<string, unknown> }]> = [
    ['query token', { url: `${threadUrl}?token=${API_TOKEN}` }],
    ['percent-encoded name', { url: `${threadUrl}?tok%65n=${API_TOKEN}` }],
    ['fully encoded name after another parameter', { url: `${threadUrl}?a=1&%74%6F%6B%65%6E=${API_TOKEN}` }],
    ['Authorization header', { url: threadUrl, headers: bearer() }],
    ['JSON body field', { method: 'POST', url: '/api/v1/threads', payload: { token: API_TOKEN, title: 't' } }],
    ['admin token, encoded name', { method: 'POST', url: `/api/v1/admin/cleanup?tok%65n=${ADMIN_TOKEN}`, payload: { dry_run: true } }]
  ]
  for (const [placement, request] of accepted) {
    const res = await app.inject({ method: 'GET', ...request })
    t.ok(res.statusCode >= 200 && res.statusCode < 300, `${placement}: accepted (${res.statusCode})`)
  }
  const form = await uploadAudio(baseUrl, makeMp3Tone({ seconds: 1 }))
  t.equal(form.status, 200, 'form field: accepted')
  const bearerForm = new FormData()
  bearerForm.append('file', new Blob([new Uint8Array(makeMp3Tone({ seconds: 1 }))]), 'a.mp3')
  const bearerUpload = await fetch(`${baseUrl}/api/v1/upload/audio`, { method: 'POST', body: bearerForm, headers: bearer() })
  t.equal(bearerUpload.status, 200, 'Authorization header on a multipart upload: accepted')
  const refusedForm = await uploadAudio(baseUrl, makeMp3Tone({ seconds: 1 }), { token: `${API_TOKEN}-wrong` })
  t.equal(refusedForm.status, 401, 'a wrong form token is refused')

  const refused = await app.inject({ url: `${threadUrl}?TOKEN=${API_TOKEN}&token=${ADMIN_TOKEN}x` })
  t.equal(refused.statusCode, 401)
  const badUrl = await fetch(`${baseUrl}/api/v1/threads/%E0%A4%A?tok%65n=${API_TOKEN}`)
  t.equal(badUrl.status, 400)

  const text = logs.join('\n')
  t.ok(logs.length > 20, 'requests were logged')
  t.ok(text.includes('tok%65n=[REDACTED]'), 'the encoded name is kept, its value masked')
  t.notOk(text.includes(API_TOKEN), 'API token absent from the log')
  t.notOk(text.includes(ADMIN_TOKEN), 'admin token absent from the log')
})
