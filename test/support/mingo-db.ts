import { Query, find, updateOne } from 'mingo'
import type { CollectionLike, Filter, FindOptions, MongoDbLike, Update } from '../../services/repository/mongo-like.js'

type Doc = Record<string, unknown>

/** Fields a filter pins to one value: what an upsert inserts besides the update's own fields. */
function equalityFields (filter: Filter): Doc {
  return Object.fromEntries(Object.entries(filter).filter(([name, value]) =>
    !name.startsWith('$') && !name.includes('.') && (typeof value !== 'object' || value === null)))
}

function duplicateKeyError (index: string) {
  return Object.assign(new Error(`E11000 duplicate key error index: ${index}`), { code: 11000 })
}

/**
 * An in-process stand-in for a MongoDB database: filters, sorts, projections and update
 * documents are evaluated by mingo with MongoDB semantics, and unique indexes are enforced,
 * so the MongoDB repository's own queries run in CI, where no mongod can.
 */
class MingoCollection implements CollectionLike {
  private docs: Doc[] = []
  private uniqueFields: string[] = []

  private checkUnique (candidate: Doc, except?: Doc) {
    for (const field of this.uniqueFields) {
      if (candidate[field] === undefined) continue
      if (this.docs.some((doc) => doc !== except && doc[field] === candidate[field])) throw duplicateKeyError(field)
    }
  }

  private cursor (filter: Filter, options: FindOptions = {}) {
    let cursor = find(this.docs, filter, options.projection ?? { _id: 0 })
    if (options.sort !== undefined) cursor = cursor.sort(options.sort)
    if (options.limit !== undefined) cursor = cursor.limit(options.limit)
    return cursor
  }

  async insertOne (doc: Doc) {
    const copy = structuredClone(doc)
    this.checkUnique(copy)
    this.docs.push(copy)
  }

  async findOne (filter: Filter, options?: FindOptions) {
    return structuredClone(this.cursor(filter, { ...options, limit: 1 }).all()[0] as Doc | undefined) ?? null
  }

  find (filter: Filter, options?: FindOptions) {
    const results = structuredClone(this.cursor(filter, options).all() as Doc[])
    return { toArray: async () => results }
  }

  async updateOne (filter: Filter, update: Update, options: { upsert?: boolean, arrayFilters?: Filter[] } = {}) {
    const target = this.docs.find((doc) => new Query(filter, {}).test(doc))
    if (target === undefined) {
      if (options.upsert !== true) return { matchedCount: 0, modifiedCount: 0, upsertedCount: 0 }
      const { $setOnInsert: onInsert = {}, ...rest } = update as { $setOnInsert?: Doc }
      const inserted: Doc = { ...equalityFields(filter), ...onInsert }
      if (Object.keys(rest).length > 0) updateOne([inserted], {}, rest as never)
      this.checkUnique(inserted)
      this.docs.push(inserted)
      return { matchedCount: 0, modifiedCount: 0, upsertedCount: 1 }
    }
    return { matchedCount: 1, modifiedCount: this.apply(target, update, options.arrayFilters), upsertedCount: 0 }
  }

  async findOneAndUpdate (filter: Filter, update: Update, options: { projection?: Record<string, 0 | 1> } = {}) {
    const target = this.docs.find((doc) => new Query(filter, {}).test(doc))
    if (target === undefined) return null
    this.apply(target, update)
    return structuredClone(find([target], {}, options.projection ?? { _id: 0 }).all()[0] as Doc)
  }

  async updateMany (filter: Filter, update: Update) {
    const query = new Query(filter, {})
    const targets = this.docs.filter((doc) => query.test(doc))
    const modifiedCount = targets.reduce((count, target) => count + this.apply(target, update), 0)
    return { matchedCount: targets.length, modifiedCount, upsertedCount: 0 }
  }

  /** Applies an update document to one stored document, enforcing unique indexes; 1 when it changed. */
  private apply (target: Doc, update: Update, arrayFilters?: Filter[]): number {
    const { $setOnInsert: _ignoredOnUpdate, ...rest } = update as { $setOnInsert?: Doc }
    const candidate = structuredClone(target)
    const result = Object.keys(rest).length === 0 ? { modifiedCount: 0 } : updateOne([candidate], {}, rest as never, arrayFilters === undefined ? undefined : { arrayFilters })
    this.checkUnique(candidate, target)
    Object.assign(target, candidate)
    return result.modifiedCount
  }

  async deleteOne (filter: Filter) {
    const index = this.docs.findIndex((doc) => new Query(filter, {}).test(doc))
    if (index >= 0) this.docs.splice(index, 1)
    return { deletedCount: index >= 0 ? 1 : 0 }
  }

  async deleteMany (filter: Filter) {
    const query = new Query(filter, {})
    const before = this.docs.length
    this.docs = this.docs.filter((doc) => !query.test(doc))
    return { deletedCount: before - this.docs.length }
  }

  async countDocuments (filter: Filter) {
    return this.cursor(filter).all().length
  }

  async createIndex (spec: Record<string, 1 | -1>, options: { unique?: boolean } = {}) {
    const fields = Object.keys(spec)
    if (options.unique === true && fields.length === 1 && !this.uniqueFields.includes(fields[0])) this.uniqueFields.push(fields[0])
  }
}

export function createMingoDb (): MongoDbLike {
  const collections = new Map<string, MingoCollection>()
  return {
    collection (name) {
      let collection = collections.get(name)
      if (collection === undefined) collections.set(name, collection = new MingoCollection())
      return collection
    },
    async command () { return { ok: 1 } }
  }
}
