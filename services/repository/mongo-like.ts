/**
 * The part of the MongoDB driver's Db that the repository uses. The real driver satisfies it;
 * so does the mingo-backed test double, which evaluates the same filters and update documents.
 */
export type Filter = Record<string, unknown>
export type Update = Record<string, unknown>

export interface UpdateResult { matchedCount: number, modifiedCount: number, upsertedCount: number }

export interface FindOptions {
  projection?: Record<string, 0 | 1>
  sort?: Record<string, 1 | -1>
  limit?: number
}

export interface CollectionLike {
  insertOne (doc: Record<string, unknown>): Promise<unknown>
  findOne (filter: Filter, options?: FindOptions): Promise<Record<string, unknown> | null>
  find (filter: Filter, options?: FindOptions): { toArray (): Promise<Array<Record<string, unknown>>> }
  /** With `returnDocument: 'after'`: the updated document, or null when nothing matched. */
  findOneAndUpdate (filter: Filter, update: Update, options: { returnDocument: 'after', projection?: Record<string, 0 | 1> }): Promise<Record<string, unknown> | null>
  updateOne (filter: Filter, update: Update, options?: { upsert?: boolean, arrayFilters?: Filter[] }): Promise<UpdateResult>
  updateMany (filter: Filter, update: Update): Promise<UpdateResult>
  deleteOne (filter: Filter): Promise<{ deletedCount: number }>
  deleteMany (filter: Filter): Promise<{ deletedCount: number }>
  countDocuments (filter: Filter): Promise<number>
  createIndex (spec: Record<string, 1 | -1>, options?: { unique?: boolean, name?: string }): Promise<unknown>
}

export interface MongoDbLike {
  collection (name: string): CollectionLike
  command (command: Record<string, unknown>): Promise<unknown>
}

/** MongoDB's duplicate-key error. */
export const isDuplicateKey = (err: unknown) => (err as { code?: unknown }).code === 11000
