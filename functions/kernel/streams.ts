/**
 * Small helpers for reading a store as a stream: an export reads every record of an org, page after page,
 * and must never hold a whole partition in memory.
 */

/** A stream of one value (a value section of the export). */
export async function* once<T>(value: () => Promise<T>): AsyncGenerator<T> {
  yield await value();
}

/** Each item of `source` mapped, in order. */
export async function* mapStream<T, U>(source: AsyncIterable<T>, fn: (item: T) => U | Promise<U>): AsyncGenerator<U> {
  for await (const item of source) yield await fn(item);
}

/** Each item of an array (or a promised one), as a stream. */
export async function* fromList<T>(items: readonly T[] | Promise<readonly T[]>): AsyncGenerator<T> {
  for (const item of await items) yield item;
}
