/** A page of domain objects → the wire's `{ data, next_cursor }` (see `listOf` in contract.ts). */
export const encodePage = <T, W>(page: { data: T[]; nextCursor: string | null }, encode: (t: T) => W) => ({
  data: page.data.map(encode),
  next_cursor: page.nextCursor,
});
