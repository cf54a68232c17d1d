import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { formatSweepReport, KEYS_SHOWN, type SweepReport } from '../../scripts/sweep-report.js'
import { API_TOKEN, build, listStoredKeys } from '../helper.js'
import { NO_CHILD_COVERAGE } from '../support/child-env.js'

const root = path.resolve(import.meta.dirname, '../..')
const run = promisify(execFile)

const summary = (extra: Partial<SweepReport> = {}): SweepReport => ({
  status: 'completed',
  dry_run: true,
  expired_uploads: 2,
  unattached_renders: 1,
  repaired: 0,
  acl_reconciled: 0,
  scanned_objects: 1234,
  orphan_objects: 25,
  deleted_objects: 0,
  failed_deletions: 0,
  kept_in_use: 0,
  missing_objects: [],
  missing_object_count: 0,
  resumed: false,
  started_at: '2026-01-01T00:00:00.000Z',
  finished_at: '2026-01-01T00:00:01.000Z',
  ...extra
})

t.test('a dry run lists the first keys it would delete and how many there are', async (t) => {
  const keys = Array.from({ length: 30 }, (_, i) => `dev/renders/orphan-${String(i).padStart(2, '0')}.mp3`)
  const text = formatSweepReport(summary({ would_delete: keys.slice(0, 25), would_delete_count: 30 }), '24h').join('\n')
  t.match(text, /^Dry run \(older than 24h\): nothing was deleted/)
  t.match(text, /1234 {2}objects listed in storage/)
  t.match(text, /Keys it would delete \(30, first 20\):/)
  t.match(text, /orphan-19\.mp3/)
  t.notMatch(text, /orphan-20\.mp3/, `only the first ${KEYS_SHOWN}`)
  t.match(text, /… and 10 more/)
  t.notMatch(text, /objects deleted/, 'a dry run deletes nothing, so it shows no deletion counts')
})

t.test('a real run shows what was deleted; a summary without keys says so in a dry run only', async (t) => {
  const done = formatSweepReport(summary({ dry_run: false, deleted_objects: 28, failed_deletions: 2 }), '7d').join('\n')
  t.match(done, /^Cleanup \(older than 7d\) finished:/)
  t.match(done, /28 {2}objects deleted/)
  t.match(done, / 2 {2}deletions that failed/)
  t.notMatch(done, /counts only/)
  t.match(formatSweepReport(summary(), '24h').join('\n'), /reports counts only/)
})

t.test('npm run cleanup -- --dry-run prints the readable summary and deletes nothing', async (t) => {
  const { app, dataDir } = await build(t)
  for (const name of ['a', 'b', 'c']) await app.storage.putObject(`dev/renders/orphan-${name}.mp3`, Buffer.from('x'), { contentType: 'audio/mpeg' })
  await app.close()

  const { stdout } = await run(path.join(root, 'node_modules/.bin/tsx'), [path.join(root, 'scripts/cleanup.ts'), '--dry-run', '--older-than', '0s'], {
    cwd: os.tmpdir(),
    env: { PATH: process.env.PATH, ...NO_CHILD_COVERAGE, FASTIFY_AUTOLOAD_TYPESCRIPT: '1', DATA_DIR: dataDir, EMBEDDED_S3_PORT: '0', API_TOKEN }
  })
  t.match(stdout, /Dry run \(older than 0s\): nothing was deleted/)
  t.match(stdout, /3 {2}objects listed in storage/)
  t.match(stdout, /3 {2}orphan objects/)

  const { app: after } = await build(t, { DATA_DIR: dataDir })
  t.equal((await listStoredKeys(after)).length, 3, 'the objects are still there')
})

t.test('npm run cleanup refuses an age beyond ten years with a message, not a stack trace', async (t) => {
  const failed = await run(path.join(root, 'node_modules/.bin/tsx'), [path.join(root, 'scripts/cleanup.ts'), '--older-than', '999999999d'], {
    cwd: os.tmpdir(),
    env: { PATH: process.env.PATH, ...NO_CHILD_COVERAGE, FASTIFY_AUTOLOAD_TYPESCRIPT: '1', DATA_DIR: path.join(os.tmpdir(), 'cleanup-never-opened'), API_TOKEN }
  }).then(() => null, (err: { code: number, stderr: string }) => err)
  t.ok(failed, 'it exits with an error')
  t.match(failed!.stderr, /--older-than must look like 30m, 24h or 7d, at most 3650d/)
  t.notMatch(failed!.stderr, /\n\s+at /, 'no stack trace')
})

const cleanup = (env: Record<string, string>, args: string[] = ['--dry-run']) => run(path.join(root, 'node_modules/.bin/tsx'), [path.join(root, 'scripts/cleanup.ts'), ...args], {
  cwd: os.tmpdir(),
  env: { PATH: process.env.PATH, ...NO_CHILD_COVERAGE, FASTIFY_AUTOLOAD_TYPESCRIPT: '1', API_TOKEN, ...env }
}).then(({ stdout }) => ({ code: 0, stdout, stderr: '' }), (err: { code: number, stdout: string, stderr: string }) => err)

t.test('npm run cleanup refuses a DATA_DIR with no database, and creates nothing there', async (t) => {
  const dataDir = path.join(os.tmpdir(), `cleanup-typo-${process.pid}`)
  const failed = await cleanup({ DATA_DIR: dataDir, EMBEDDED_S3_PORT: '0' }, ['--older-than', '1s'])
  t.not(failed.code, 0)
  t.match(failed.stderr, /holds no database \(render-service\.sqlite\): set DATA_DIR to the service's\. Nothing was done\./)
  t.notOk(fs.existsSync(dataDir), 'no data directory was created')
})

t.test('npm run cleanup refuses a running embedded server that keeps another DATA_DIR\'s objects, and works with its own', async (t) => {
  const { app: running, dataDir: runningDir } = await build(t)
  const port = new URL(running.storage.endpoint).port
  await running.storage.putObject('dev/renders/kept.mp3', Buffer.from('x'), { contentType: 'audio/mpeg' })
  const { app: other, dataDir: otherDir } = await build(t)
  await other.close()

  const refused = await cleanup({ DATA_DIR: otherDir, EMBEDDED_S3_PORT: port }, ['--older-than', '1s'])
  t.not(refused.code, 0)
  t.match(refused.stderr, new RegExp(`embedded S3 server on port ${port} keeps another DATA_DIR's objects .*Nothing was done\\.`))
  t.ok(await running.storage.headObject('dev/renders/kept.mp3'), 'the running service\'s object is still there')

  const own = await cleanup({ DATA_DIR: runningDir, EMBEDDED_S3_PORT: port })
  t.equal(own.code, 0, own.stderr)
  t.match(own.stdout, /1 {2}objects listed in storage/, 'it read the running server\'s objects')
})

t.test('a real npm run cleanup refuses an age under CLEANUP_MIN_AGE_SECONDS, as the admin endpoint does; a dry run may look closer', async (t) => {
  const { app, dataDir } = await build(t)
  await app.storage.putObject('dev/renders/young.mp3', Buffer.from('x'), { contentType: 'audio/mpeg' })
  await app.close()
  const refused = await cleanup({ DATA_DIR: dataDir, EMBEDDED_S3_PORT: '0', CLEANUP_MIN_AGE_SECONDS: '900' }, ['--older-than', '0s'])
  t.not(refused.code, 0)
  t.match(refused.stderr, /--older-than must be at least CLEANUP_MIN_AGE_SECONDS \(900 s\) for a real run/)
  t.notMatch(refused.stderr, /\n\s+at /, 'no stack trace')
  const dry = await cleanup({ DATA_DIR: dataDir, EMBEDDED_S3_PORT: '0', CLEANUP_MIN_AGE_SECONDS: '900' }, ['--dry-run', '--older-than', '0s'])
  t.equal(dry.code, 0, dry.stderr)
  const { app: after } = await build(t, { DATA_DIR: dataDir })
  t.same(await listStoredKeys(after), ['dev/renders/young.mp3'], 'nothing was deleted')
})
