import fs from 'node:fs'
import { makeMp3Tone } from './audio.js'

/** `npm run sample-mp3 -- [file] [seconds]`: writes an MP3 tone to try the API with. */
const [file = 'sample.mp3', seconds = '3'] = process.argv.slice(2)
const mp3 = makeMp3Tone({ seconds: Number(seconds), kbps: 128 })
fs.writeFileSync(file, mp3)
console.log(`wrote ${file}: ${mp3.length} bytes, ${seconds} s of a 440 Hz tone at 128 kbps`)
