import { FindQuery, ReadStore, StoredDocument } from './read-store.port';

/**
 * Every matching document in id order, fetched a page at a time with a keyset cursor: memory stays
 * at one page however large the collection (exports rely on this).
 */
export async function* scan<T>(
  store: ReadStore,
  collection: string,
  tenantId: string,
  options: Pick<FindQuery, 'where' | 'anyOf' | 'idBetween'> & { after?: string; pageSize?: number } = {},
): AsyncGenerator<StoredDocument<T>> {
  const pageSize = options.pageSize ?? 500;
  let after = options.after;
  for (;;) {
    const page = await store.find<T>(collection, tenantId, { where: options.where, anyOf: options.anyOf, idBetween: options.idBetween, after, limit: pageSize });
    yield* page;
    if (page.length < pageSize) return;
    after = page[page.length - 1].id;
  }
}
