import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { encodeTime } from 'ulid';
import { cancellationReasons, isConditionalCheckFailed } from '../../kernel/dynamo/client';
import { auditPut, getData, item, type StoredItem } from '../../kernel/dynamo/items';
import { keys, type TableKey } from '../../kernel/dynamo/keys';
import {
  decodeCursor,
  GSI1_KEY,
  pageOfQuery,
  pageQueryLimit,
  partitionData,
  TABLE_KEY,
} from '../../kernel/dynamo/pagination';
import { conflict } from '../../kernel/errors';
import type { Page } from '../../kernel/ports';
import { type BilledPeriod, emptyBilled } from '../domain/billed';
import { type CommitmentRecord, commitmentKey, emptyCommitment } from '../domain/commitments';
import type { Invoice } from '../domain/invoice';
import type { CreditMovement, FinalizeWrite, InvoiceListOptions, InvoiceStore, InvoicingAccount } from '../ports';

type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

/** DynamoDB: at most 100 actions per transaction. */
export const MAX_TRANSACTION_ITEMS = 100;

const newAccount = (orgId: string): InvoicingAccount => ({ orgId, nextSequence: 1, creditBalances: {}, version: 0 });

/** A conditional Put of a versioned record: absent for version 0, else still at `expected`. */
function versionedPut<T>(
  tableName: string,
  entity: string,
  key: TableKey,
  data: T,
  version: number,
  expected: number,
  extra: Record<string, unknown> = {},
): TransactItem {
  return {
    Put: {
      TableName: tableName,
      Item: item(entity, key, data, { version, ...extra }),
      ...(expected === 0
        ? { ConditionExpression: 'attribute_not_exists(PK)' }
        : { ConditionExpression: 'version = :expected', ExpressionAttributeValues: { ':expected': expected } }),
    },
  };
}

/** Invoice ids are `in_<ULID>` whose time part is the invoice date: a date range is a key range. */
const idBound = (at: Date, upper: boolean) =>
  `in_${encodeTime(upper ? at.getTime() - 1 : at.getTime(), 10)}${upper ? '~' : ''}`;

/**
 * Invoices, the invoicing account (sequence, prefix, credit balance), what was billed per period and
 * the credit movements. Finalizing is one transaction over all of them (see FinalizeWrite).
 */
export class DynamoInvoiceStore implements InvoiceStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  get(orgId: string, invoiceId: string): Promise<Invoice | undefined> {
    return getData<Invoice>(this.db, this.tableName, keys.invoice(orgId, invoiceId), { consistent: true });
  }

  async list(orgId: string, options: InvoiceListOptions): Promise<Page<Invoice>> {
    const partition = keys.invoicePartition(orgId);
    const start = decodeCursor(options.cursor, partition);
    const lower = options.from ? idBound(options.from, false) : 'in_';
    const upper = options.to ? idBound(options.to, true) : 'in_~';
    const byStatus = options.status !== undefined;
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        ...(byStatus
          ? {
              IndexName: 'GSI1',
              KeyConditionExpression: 'GSI1PK = :pk AND GSI1SK BETWEEN :lower AND :upper',
              ExpressionAttributeValues: {
                ':pk': keys.invoiceStatusPartition(orgId, options.status!),
                ':lower': lower,
                ':upper': upper,
              },
            }
          : {
              KeyConditionExpression: 'PK = :pk AND SK BETWEEN :lower AND :upper',
              ExpressionAttributeValues: {
                ':pk': partition,
                ':lower': `${keys.invoicePrefix}${lower}`,
                ':upper': `${keys.invoicePrefix}${upper}`,
              },
            }),
        ScanIndexForward: false,
        Limit: pageQueryLimit(options.limit),
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    const page = pageOfQuery(out, options.limit, byStatus ? GSI1_KEY : TABLE_KEY);
    return { data: page.items.map((i) => (i as StoredItem<Invoice>).data), nextCursor: page.nextCursor };
  }

  /** Every invoice of the org, oldest first, a page at a time (the billing export reads them all). */
  all(orgId: string): AsyncIterable<Invoice> {
    return partitionData<Invoice>(this.db, this.tableName, keys.invoicePartition(orgId), {
      skPrefix: keys.invoicePrefix,
      pageSize: 100,
    });
  }

  /** Every credit balance movement of the org, oldest first (ids are ULIDs), a page at a time. */
  creditMovements(orgId: string): AsyncIterable<CreditMovement> {
    return partitionData<CreditMovement>(this.db, this.tableName, keys.creditMovementPartition(orgId));
  }

  async saveDraft(invoice: Invoice): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item('invoice', keys.invoice(invoice.orgId, invoice.id), invoice, {
            ...keys.invoiceStatusIndex(invoice.orgId, invoice.status, invoice.id),
          }),
          ConditionExpression: 'attribute_not_exists(PK) OR #data.#status = :draft',
          ExpressionAttributeNames: { '#data': 'data', '#status': 'status' },
          ExpressionAttributeValues: { ':draft': 'draft' },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  async finalize(write: FinalizeWrite): Promise<void> {
    const t = this.tableName;
    const items: TransactItem[] = write.invoices.map((invoice) => ({
      Put: {
        TableName: t,
        Item: item('invoice', keys.invoice(invoice.orgId, invoice.id), invoice, {
          ...keys.invoiceStatusIndex(invoice.orgId, invoice.status, invoice.id),
          // The collection outbox: written with the invoice itself, so an issued invoice with something to
          // pay is always collected (the collection schedule charges it), and nothing else calls Stripe here.
          ...(invoice.status === 'open' && invoice.amountDueMinor > 0 && invoice.issuedAt
            ? keys.collectionDue(
                'collect',
                invoice.orgId,
                invoice.id,
                invoice.issuedAt,
                keys.periodCloseShardOf(invoice.orgId),
              )
            : {}),
          version: 1,
        }),
        // A draft may be finalized; a finalized invoice is never written over by a second run.
        ConditionExpression: 'attribute_not_exists(PK) OR #data.#status = :draft',
        ExpressionAttributeNames: { '#data': 'data', '#status': 'status' },
        ExpressionAttributeValues: { ':draft': 'draft' },
      },
    }));
    const { next, expectedVersion } = write.account;
    items.push(
      versionedPut(t, 'invoicing_account', keys.invoicingAccount(next.orgId), next, next.version, expectedVersion),
    );
    for (const record of write.billed) {
      items.push(
        versionedPut(
          t,
          'billed_period',
          keys.billedPeriod(record.orgId, record.periodKey),
          record,
          record.version,
          record.version - 1,
        ),
      );
    }
    for (const record of write.commitments ?? []) {
      items.push(
        versionedPut(
          t,
          'commitment_record',
          keys.commitmentRecord(record.orgId, record.contractId, record.year),
          record,
          record.version,
          record.version - 1,
        ),
      );
    }
    for (const movement of write.creditMovements) {
      items.push({
        Put: {
          TableName: t,
          Item: item('credit_movement', keys.creditMovement(movement.orgId, movement.invoiceId), movement),
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      });
    }
    const prefixIndex = items.length;
    if (write.claimPrefix) {
      items.push({
        Put: {
          TableName: t,
          Item: prefixClaimItem(write.claimPrefix, next.orgId),
          ConditionExpression: 'attribute_not_exists(PK) OR #data.#org = :org',
          ExpressionAttributeNames: { '#data': 'data', '#org': 'orgId' },
          ExpressionAttributeValues: { ':org': next.orgId },
        },
      });
    }
    for (const part of write.parts) items.push(part.dynamodb as TransactItem);
    for (const audit of write.audits) items.push(auditPut(t, audit));
    if (items.length > MAX_TRANSACTION_ITEMS) {
      throw new Error(`an invoice finalization needs ${items.length} writes; DynamoDB allows ${MAX_TRANSACTION_ITEMS}`);
    }
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (!reasons) throw error;
      if (write.claimPrefix && reasons[prefixIndex]?.Code === 'ConditionalCheckFailed') {
        throw conflict('invoice_prefix_taken', `the invoice prefix ${write.claimPrefix} belongs to another org`);
      }
      // Another run (or a concurrent threshold invoice) moved something first: plan again.
      throw conflict('conflict', 'the invoicing records changed while the invoice was being finalized');
    }
  }

  async account(orgId: string): Promise<InvoicingAccount> {
    return (
      (await getData<InvoicingAccount>(this.db, this.tableName, keys.invoicingAccount(orgId), { consistent: true })) ??
      newAccount(orgId)
    );
  }

  async billed(orgId: string, periodKeys: readonly string[]): Promise<Map<string, BilledPeriod>> {
    const unique = [...new Set(periodKeys)];
    const out = new Map(unique.map((key) => [key, emptyBilled(orgId, key)] as const));
    if (unique.length === 0) return out;
    let request: Record<string, unknown>[] = unique.map(
      (key) => keys.billedPeriod(orgId, key) as unknown as Record<string, unknown>,
    );
    // BatchGetItem may return some keys unprocessed under load: ask again for exactly those.
    while (request.length > 0) {
      const result = await this.db.send(
        new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: request, ConsistentRead: true } } }),
      );
      for (const raw of result.Responses?.[this.tableName] ?? []) {
        const record = (raw as StoredItem<BilledPeriod>).data;
        out.set(record.periodKey, record);
      }
      request = (result.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Record<string, unknown>[];
    }
    return out;
  }

  async commitments(
    orgId: string,
    years: readonly { contractId: string; year: number }[],
  ): Promise<Map<string, CommitmentRecord>> {
    const out = new Map(
      years.map((y) => [commitmentKey(y.contractId, y.year), emptyCommitment(orgId, y.contractId, y.year)] as const),
    );
    let request: Record<string, unknown>[] = [
      ...new Map(years.map((y) => [commitmentKey(y.contractId, y.year), y])).values(),
    ].map((y) => keys.commitmentRecord(orgId, y.contractId, y.year) as unknown as Record<string, unknown>);
    while (request.length > 0) {
      const result = await this.db.send(
        new BatchGetCommand({
          RequestItems: { [this.tableName]: { Keys: request.slice(0, 100), ConsistentRead: true } },
        }),
      );
      for (const raw of result.Responses?.[this.tableName] ?? []) {
        const record = (raw as StoredItem<CommitmentRecord>).data;
        out.set(commitmentKey(record.contractId, record.year), record);
      }
      request = [
        ...((result.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Record<string, unknown>[]),
        ...request.slice(100),
      ];
    }
    return out;
  }

  async markPeriodClosed(record: BilledPeriod, expectedVersion: number): Promise<void> {
    const put = versionedPut(
      this.tableName,
      'billed_period',
      keys.billedPeriod(record.orgId, record.periodKey),
      record,
      record.version,
      expectedVersion,
    ).Put!;
    try {
      await this.db.send(new PutCommand(put as ConstructorParameters<typeof PutCommand>[0]));
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw conflict('conflict', 'the period was billed concurrently');
      throw error;
    }
  }

  async prefixAvailable(prefix: string, orgId: string): Promise<boolean> {
    const claim = await getData<PrefixClaim>(this.db, this.tableName, keys.invoicePrefixClaim(prefix), {
      consistent: true,
    });
    return claim === undefined || claim.orgId === orgId;
  }
}

interface PrefixClaim {
  readonly prefix: string;
  readonly orgId: string;
}

/** The claim of an invoice prefix by an org (prefixes are unique across orgs). */
export const prefixClaimItem = (prefix: string, orgId: string) =>
  item<PrefixClaim>('invoice_prefix', keys.invoicePrefixClaim(prefix), { prefix, orgId });
