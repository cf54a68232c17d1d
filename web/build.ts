import fs from 'node:fs'
import path from 'node:path'
import * as esbuild from 'esbuild'

const webDir = import.meta.dirname
const STATIC_FILES = ['index.html', 'app.css']

/**
 * Bundles the web client (Preact + the SDK, from source) and its MP3 encoder worker into `outdir`,
 * with the page and its stylesheet beside them.
 */
export async function buildWebApp (outdir: string, { minify = true } = {}) {
  fs.mkdirSync(outdir, { recursive: true })
  await esbuild.build({
    entryPoints: { app: path.join(webDir, 'src/main.tsx'), 'mp3-worker': path.join(webDir, 'src/mp3-worker.ts') },
    outdir,
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify,
    sourcemap: true,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    alias: { '@render-service/client': path.join(webDir, '../client/src/index.ts') },
    logLevel: 'warning'
  })
  for (const file of STATIC_FILES) fs.copyFileSync(path.join(webDir, file), path.join(outdir, file))
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === import.meta.filename) {
  const outdir = path.resolve(process.argv[2] ?? 'public/app')
  buildWebApp(outdir).then(() => console.log(`web client built in ${path.relative(process.cwd(), outdir)}`), (err: unknown) => {
    console.error(err)
    process.exit(1)
  })
}
