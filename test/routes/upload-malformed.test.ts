import t from 'tap'
import { API_TOKEN, bearer, build, listen, listStoredKeys } from '../helper.js'
import { makeMp3Tone } from '../support/audio.js'

const SHAPE = ['code', 'error', 'message', 'statusCode']

t.test('a body that is not the multipart it claims is a 4xx JSON error and leaves nothing behind', async (t) => {
  const { app } = await build(t)
  const baseUrl = await listen(app)
  const mp3 = makeMp3Tone({ seconds: 1 })
  const head = (boundary: string, name: string, filename?: string) => Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"` +
    `${filename !== undefined ? `; filename="${filename}"\r\nContent-Type: audio/mpeg` : ''}\r\n\r\n`)

  const cases: Array<[string, string | undefined, Buffer, number]> = [
    ['not multipart at all', 'multipart/form-data; boundary=xyz', Buffer.from('just some text'), 400],
    ['no boundary parameter', 'multipart/form-data', Buffer.concat([head('xyz', 'file', 'a.mp3'), mp3, Buffer.from('\r\n--xyz--\r\n')]), 400],
    ['an empty boundary', 'multipart/form-data; boundary=', Buffer.from('--\r\n'), 400],
    ['a boundary over 70 characters', `multipart/form-data; boundary=${'b'.repeat(300)}`, Buffer.from(`--${'b'.repeat(300)}--\r\n`), 400],
    ['cut inside the file, before the closing boundary', 'multipart/form-data; boundary=xyz', Buffer.concat([head('xyz', 'file', 'a.mp3'), mp3]), 400],
    ['cut after a field', 'multipart/form-data; boundary=xyz', Buffer.concat([head('xyz', 'format'), Buffer.from('mp3')]), 400],
    ['JSON', 'application/json', Buffer.from(JSON.stringify({ format: 'mp3' })), 415],
    ['plain text', 'text/plain', Buffer.from('hello'), 415],
    ['no content type', undefined, Buffer.from('hello'), 415]
  ]
  for (const [name, contentType, body, status] of cases) {
    const res = await fetch(`${baseUrl}/api/v1/upload/audio`, {
      method: 'POST',
      headers: { ...bearer(), ...(contentType !== undefined ? { 'content-type': contentType } : {}) },
      body: new Uint8Array(body)
    })
    const json = await res.json() as Record<string, unknown>
    t.equal(res.status, status, `${name}: ${status}`)
    t.same(Object.keys(json).sort(), SHAPE, `${name}: the JSON error shape`)
    t.equal(json.statusCode, status)
  }
  t.same(await listStoredKeys(app), [], 'no object in storage')
  t.equal(await app.repository.countDeletions(), 0, 'nothing queued for deletion')

  const withQueryToken = await app.inject({ method: 'POST', url: `/api/v1/upload/audio?token=${API_TOKEN}`, payload: { format: 'mp3' } })
  t.equal(withQueryToken.statusCode, 415, 'JSON with a valid query token is refused for its type, not 406')
  const unauthenticated = await app.inject({ method: 'POST', url: '/api/v1/upload/audio', payload: { format: 'mp3' } })
  t.equal(unauthenticated.statusCode, 401, 'without any token the answer is still 401')
})

t.test('a form over the multipart limits says what to send instead, and leaves nothing behind', async (t) => {
  const { app } = await build(t)
  const baseUrl = await listen(app)
  const mp3 = new Blob([new Uint8Array(makeMp3Tone({ seconds: 1 }))], { type: 'audio/mpeg' })
  const send = async (form: FormData) => {
    const res = await fetch(`${baseUrl}/api/v1/upload/audio`, { method: 'POST', headers: bearer(), body: form })
    return { status: res.status, body: await res.json() as Record<string, unknown> }
  }

  const twoFiles = new FormData()
  twoFiles.append('format', 'mp3')
  twoFiles.append('file', mp3, 'a.mp3')
  twoFiles.append('other', mp3, 'b.mp3')
  t.same(await send(twoFiles), { status: 400, body: { statusCode: 400, code: 'BAD_REQUEST', error: 'Bad Request', message: 'Send exactly one file, in the field "file"' } })

  const manyFields = new FormData()
  for (let i = 0; i < 11; i++) manyFields.append(`field${i}`, 'x')
  manyFields.append('file', mp3, 'a.mp3')
  t.match(await send(manyFields), { status: 400, body: { code: 'BAD_REQUEST', message: 'Send at most 10 form fields besides the file' } })

  t.same(await listStoredKeys(app), [], 'no object in storage')
  t.equal(await app.repository.countDeletions(), 0, 'nothing queued for deletion')
})
