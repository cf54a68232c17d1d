// The same suite on the MongoDB repository: the in-process engine here, a real mongod when MONGODB_URL is set.
process.env.TEST_BACKEND = 'mongodb'
await import('../routes/access.test.js')
