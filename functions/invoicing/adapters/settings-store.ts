import { type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditEntry } from '../../kernel/audit';
import { cancellationReasons } from '../../kernel/dynamo/client';
import { auditPut, getData, item } from '../../kernel/dynamo/items';
import { keys } from '../../kernel/dynamo/keys';
import { conflict } from '../../kernel/errors';
import type { BillingSettings } from '../domain/settings';
import type { BillingSettingsStore } from '../ports';
import { prefixClaimItem } from './invoice-store';

type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

/**
 * Billing settings (one item per org, versioned). A chosen invoice prefix is claimed in the same
 * transaction (prefixes are unique across orgs) and the org's previous claim released.
 */
export class DynamoBillingSettingsStore implements BillingSettingsStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  get(orgId: string): Promise<BillingSettings | undefined> {
    return getData<BillingSettings>(this.db, this.tableName, keys.billingSettings(orgId), { consistent: true });
  }

  async replace(next: BillingSettings, expectedVersion: number, audit: AuditEntry): Promise<void> {
    const t = this.tableName;
    const previous = expectedVersion === 0 ? undefined : await this.get(next.orgId);
    const items: TransactItem[] = [
      {
        Put: {
          TableName: t,
          Item: item('billing_settings', keys.billingSettings(next.orgId), next, { version: next.version }),
          ...(expectedVersion === 0
            ? { ConditionExpression: 'attribute_not_exists(PK)' }
            : {
                ConditionExpression: 'version = :expected',
                ExpressionAttributeValues: { ':expected': expectedVersion },
              }),
        },
      },
    ];
    const claiming = next.invoicePrefix !== undefined && next.invoicePrefix !== previous?.invoicePrefix;
    if (claiming) {
      items.push({
        Put: {
          TableName: t,
          Item: prefixClaimItem(next.invoicePrefix!, next.orgId),
          ConditionExpression: 'attribute_not_exists(PK) OR #data.#org = :org',
          ExpressionAttributeNames: { '#data': 'data', '#org': 'orgId' },
          ExpressionAttributeValues: { ':org': next.orgId },
        },
      });
    }
    if (previous?.invoicePrefix && previous.invoicePrefix !== next.invoicePrefix) {
      items.push({
        Delete: {
          TableName: t,
          Key: keys.invoicePrefixClaim(previous.invoicePrefix),
          ConditionExpression: 'attribute_not_exists(PK) OR #data.#org = :org',
          ExpressionAttributeNames: { '#data': 'data', '#org': 'orgId' },
          ExpressionAttributeValues: { ':org': next.orgId },
        },
      });
    }
    items.push(auditPut(t, audit));
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (!reasons) throw error;
      if (claiming && reasons[1]?.Code === 'ConditionalCheckFailed') {
        throw conflict('invoice_prefix_taken', `the invoice prefix ${next.invoicePrefix} is used by another org`);
      }
      throw conflict('conflict', 'the billing settings were changed concurrently; read them again and retry');
    }
  }
}
