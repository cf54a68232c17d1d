import t from 'tap'
import { MAX_ANALYSIS_ATTEMPTS } from '../../services/analysis/analysis-queue.js'
import { build } from '../helper.js'
import { getRender, uploadRender } from '../support/waveform-uploads.js'
import { createTestClock } from '../support/test-clock.js'

// Each case starts the service and a decoding worker thread; on a machine busy with other suites that takes minutes.
t.setTimeout(600_000)

t.test('failures are retried with backoff, then marked failed with the reason', async (t) => {
  const clock = createTestClock()
  const { app } = await build(t, {}, { clock: clock.now })
  const render = await uploadRender(app)
  // The audio object vanishes behind the service's back: every attempt fails to read it.
  await app.storage.deleteObjects([`dev/renders/${render.id}.mp3`])
  for (let attempt = 1; attempt < MAX_ANALYSIS_ATTEMPTS; attempt++) {
    await app.analysisQueue.runDue()
    const [job] = await app.repository.findAnalyses([render.id])
    t.match(job, { state: 'pending', attempts: attempt, claimed_by: null, last_error: /HTTP 404/ }, `attempt ${attempt} failed; retried later`)
    const wait = Date.parse(job.next_attempt_at!) - clock.now().getTime()
    t.ok(Math.abs(wait - 30_000 * 2 ** (attempt - 1)) < 2000, `backoff ${wait} ms`)
    await app.analysisQueue.runDue()
    t.equal((await app.repository.findAnalyses([render.id]))[0].attempts, attempt, 'not retried before its time')
    clock.advance(wait + 1)
  }
  await app.analysisQueue.runDue()
  const [failed] = await app.repository.findAnalyses([render.id])
  t.match(failed, { state: 'failed', attempts: MAX_ANALYSIS_ATTEMPTS, next_attempt_at: null, last_error: /HTTP 404/ })
  t.match(await getRender(app, render.id), { waveform: 'failed', waveform_url: null })
  t.notMatch(failed.last_error, /X-Amz|Signature|S3RVER/, 'the reason names no URL or key')
})

