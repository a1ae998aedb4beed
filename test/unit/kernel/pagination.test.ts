import {
  decodeCursor,
  GSI1_KEY,
  pageOfQuery,
  pageQueryLimit,
  TABLE_KEY,
} from '../../../functions/kernel/dynamo/pagination';

const PK = 'INVOICES#org_a';
const item = (n: number) => ({
  PK,
  SK: `INVOICE#in_${String(n).padStart(3, '0')}`,
  GSI1PK: 'INVOICES#org_a#open',
  GSI1SK: `in_${String(n).padStart(3, '0')}`,
  data: { n },
});

describe('a page of a Query read one item past the page', () => {
  it('asks DynamoDB for one item more than the page holds', () => {
    expect(pageQueryLimit(100)).toBe(101);
  });

  it('ends a list whose length is a multiple of the page without a cursor to an empty page', () => {
    // What DynamoDB answers for the last full page: every item, and a LastEvaluatedKey anyway.
    const last = item(2);
    const page = pageOfQuery({ Items: [item(1), last], LastEvaluatedKey: { PK, SK: last.SK } }, 2, TABLE_KEY);
    expect(page.items).toHaveLength(2);
    // Read with Limit 3, the same two items and no third say nothing follows.
    expect(pageOfQuery({ Items: [item(1), last] }, 2, TABLE_KEY).nextCursor).toBeNull();
  });

  it('cuts the extra item and resumes after the last one returned', () => {
    const page = pageOfQuery(
      { Items: [item(1), item(2), item(3)], LastEvaluatedKey: { PK, SK: item(3).SK } },
      2,
      TABLE_KEY,
    );
    expect(page.items.map((i) => i.data.n)).toEqual([1, 2]);
    expect(decodeCursor(page.nextCursor!, PK)).toEqual({ PK, SK: item(2).SK });
  });

  it('names the index keys in a cursor into an index, as DynamoDB would', () => {
    const page = pageOfQuery({ Items: [item(1), item(2)] }, 1, GSI1_KEY);
    expect(decodeCursor(page.nextCursor!, PK)).toEqual({
      PK,
      SK: item(1).SK,
      GSI1PK: 'INVOICES#org_a#open',
      GSI1SK: 'in_001',
    });
  });

  it('keeps DynamoDB’s cursor for a page cut short by the 1 MB read limit', () => {
    const page = pageOfQuery({ Items: [item(1)], LastEvaluatedKey: { PK, SK: item(1).SK } }, 2, TABLE_KEY);
    expect(page.items).toHaveLength(1);
    expect(decodeCursor(page.nextCursor!, PK)).toEqual({ PK, SK: item(1).SK });
  });
});
