import fs from 'node:fs'
import t from 'tap'
import { CLIENT_TYPES_FILE, clientTypesSource, dumpOpenApiDocument } from '../../scripts/openapi-types.js'

t.test('the SDK\'s committed types are the ones generated from the service\'s OpenAPI document now', async (t) => {
  const document = await dumpOpenApiDocument()
  t.ok(Object.keys(document.paths ?? {}).includes('/api/v1/uploads/{id}/complete'), 'the document describes the API')
  const generated = await clientTypesSource(document)
  const committed = fs.readFileSync(CLIENT_TYPES_FILE, 'utf8')
  t.ok(generated === committed, 'client/src/generated/api.ts is up to date (run `npm run client:types` and commit it)')
})
