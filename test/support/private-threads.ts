import type { FastifyInstance } from 'fastify'
import { renderKey } from '../../services/renders/render-keys.js'
import { bearer, uploadAudio } from '../helper.js'
import { makeMp3Tone } from './audio.js'

/** Helpers of the private-thread suites. */
export const SWEEP = { dryRun: false, orphanGraceMs: 3600_000, pendingGraceMs: 3600_000 }

export async function createThread (app: FastifyInstance, visibility?: 'public' | 'private') {
  const res = await app.inject({ method: 'POST', url: '/api/v1/threads', headers: bearer(), payload: { title: 'jam', users: ['u1'], ...(visibility === undefined ? {} : { visibility }) } })
  if (res.statusCode !== 201) throw new Error(`thread create failed: ${res.statusCode} ${res.body}`)
  return res.json<{ id: string, visibility: string }>()
}

export async function setVisibility (app: FastifyInstance, threadId: string, visibility: string) {
  return app.inject({ method: 'PATCH', url: `/api/v1/threads/${threadId}`, headers: bearer(), payload: { visibility } })
}

/** What storage answers an unsigned GET of the object's bare URL (as a browser without a signed URL would). */
export async function bareStatus (app: FastifyInstance, renderId: string) {
  const res = await fetch(app.storage.publicUrl(renderKey(app.config.ENV, renderId, 'mp3')))
  await res.arrayBuffer()
  return res.status
}

export async function play (url: string) {
  const res = await fetch(url)
  return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()) }
}

export async function attach (app: FastifyInstance, messageId: string, render: unknown) {
  const res = await app.inject({ method: 'POST', url: `/api/v1/messages/${messageId}/renders`, headers: bearer(), payload: { render } })
  if (res.statusCode !== 200) throw new Error(`attach failed: ${res.statusCode} ${res.body}`)
}

/** A proxied upload attached to the message; returns the render's id and its bytes. */
export async function proxiedRender (app: FastifyInstance, baseUrl: string, messageId: string, seconds = 1) {
  const file = makeMp3Tone({ seconds })
  const { status, body } = await uploadAudio(baseUrl, file)
  if (status !== 200) throw new Error(`upload failed: ${status}`)
  await attach(app, messageId, body)
  return { id: body.id as string, file }
}

export async function renderUrls (app: FastifyInstance, messageId: string) {
  const res = await app.inject({ url: `/api/v1/messages/${messageId}`, headers: bearer() })
  return new Map(res.json<{ renders: Array<{ id: string, url: string }> }>().renders.map((render) => [render.id, render.url]))
}

export const isSigned = (url: string) => new URL(url).searchParams.has('X-Amz-Signature')

