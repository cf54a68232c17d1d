import t from 'tap'
import { pathStyleHint } from '../../scripts/storage-hints.js'

t.test('the path-style hint: MinIO and local servers, not Spaces or AWS, and only when path style is off', async (t) => {
  for (const endpoint of ['http://localhost:9000', 'http://127.0.0.1:4568', 'http://minio:9000', 'https://s3.example.com:9000', 'http://[::1]:8333']) {
    t.match(pathStyleHint(endpoint, false), /set S3_FORCE_PATH_STYLE=true/, endpoint)
    t.equal(pathStyleHint(endpoint, true), undefined, `${endpoint} with path style`)
  }
  for (const endpoint of ['https://fra1.digitaloceanspaces.com', 'https://s3.eu-west-1.amazonaws.com', undefined]) {
    t.equal(pathStyleHint(endpoint, false), undefined, String(endpoint))
  }
})
