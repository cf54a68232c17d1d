import type { FastifyInstance } from 'fastify'
import { bearer, completeUpload, putToStorage, requestUpload } from '../helper.js'
import { makeMp3Tone } from './audio.js'

export const toneMp3 = makeMp3Tone({ seconds: 2 })

/** A direct upload of a 2 s tone, completed (and attached when a message is given): the Render JSON complete answered. */
export async function uploadRender (app: FastifyInstance, messageId?: string) {
  const ticket = (await requestUpload(app, { size_bytes: toneMp3.length, ...(messageId === undefined ? {} : { message_id: messageId }) })).json()
  const put = await putToStorage(ticket.upload, toneMp3)
  if (put.status !== 200) throw new Error(`PUT failed: ${put.status}`)
  const res = await completeUpload(app, ticket.render_id)
  if (res.statusCode !== 200) throw new Error(`complete failed: ${res.statusCode} ${res.body}`)
  return res.json<Record<string, any>>()
}

export const getRender = async (app: FastifyInstance, id: string) =>
  (await app.inject({ url: `/api/v1/renders/${id}`, headers: bearer() })).json<Record<string, any>>()

export const peaksKeys = (id: string) => [`dev/renders/${id}.peaks.json`, `dev/renders/${id}.zoom.peaks.json`]
