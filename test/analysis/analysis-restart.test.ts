import t from 'tap'
import { ANALYSIS_CLAIM_MS } from '../../services/analysis/analysis-queue.js'
import { build, listStoredKeys } from '../helper.js'
import { getRender, peaksKeys, uploadRender } from '../support/waveform-uploads.js'
import { createTestClock } from '../support/test-clock.js'

// Each case starts the service and a decoding worker thread; on a machine busy with other suites that takes minutes.
t.setTimeout(600_000)

t.test('a restart during an analysis: the job finishes afterwards', async (t) => {
  const clock = createTestClock()
  const first = await build(t, {}, { clock: clock.now })
  const render = await uploadRender(first.app)
  // An instance took the job and died mid-analysis: nothing was written, and its claim holds for a while.
  const now = clock.now()
  const claimed = await first.app.repository.claimDueAnalyses(now.toISOString(), 'instance-that-died', new Date(now.getTime() + ANALYSIS_CLAIM_MS).toISOString(), 10)
  t.same(claimed.map((job) => job.render_id), [render.id])
  await first.app.close()

  const second = await build(t, { ANALYSIS_INTERVAL_SECONDS: 0 }, { clock: clock.now, reuse: first })
  await second.app.analysisQueue.runDue()
  t.equal((await getRender(second.app, render.id)).waveform, 'pending', 'not taken while the dead instance\'s claim holds')
  clock.advance(ANALYSIS_CLAIM_MS + 1000)
  await second.app.analysisQueue.runDue()
  t.equal((await getRender(second.app, render.id)).waveform, 'ready', 'taken once the claim lapsed, and finished')
  t.ok((await listStoredKeys(second.app)).includes(peaksKeys(render.id)[0]))
})

t.test('closing the service releases the jobs it was analysing: the next start takes them at once', async (t) => {
  const first = await build(t, { ANALYSIS_INTERVAL_SECONDS: 3600 })
  const render = await uploadRender(first.app)
  // complete has started the background analysis; close at once, whether or not it has finished.
  await first.app.close()
  const second = await build(t, {}, { reuse: first })
  await second.app.analysisQueue.runDue()
  t.equal((await getRender(second.app, render.id)).waveform, 'ready')
})

