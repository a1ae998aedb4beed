import { type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { BillingStatus } from '../../kernel/billing-status';
import { cancellationReasons } from '../../kernel/dynamo/client';
import { freezeGateCheck, frozenError } from '../../kernel/dynamo/freeze-gate-store';
import { auditPut, getData, item, type StoredItem } from '../../kernel/dynamo/items';
import { keys } from '../../kernel/dynamo/keys';
import {
  partitionQuery,
  queryAllItems,
  queryItems,
  queryWorkList,
  workListCursorFrom,
  workListCursorString,
} from '../../kernel/dynamo/pagination';
import { conflict } from '../../kernel/errors';
import type { Contract } from '../domain/contract';
import type {
  ContractEvent,
  ContractSlot,
  ContractStore,
  ContractTermsSegment,
  ContractTimeline,
  ContractWrite,
} from '../ports';

type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

const emptySlot = (orgId: string): ContractSlot => ({ orgId, intervals: [], revision: 0 });

/**
 * Contract versions, their history, the org's slot and the contract segments of the terms timeline.
 * Every change is one transaction (ContractWrite): a signature commits the version, the slot and the
 * segments together (or nothing), conditional on what was read, behind the freeze gate.
 */
export class DynamoContractStore implements ContractStore, ContractTimeline {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async versions(orgId: string, contractId: string): Promise<Contract[]> {
    const items = await queryAllItems(this.db, {
      ...partitionQuery(this.tableName, keys.contractPartition(orgId), keys.contractVersionsPrefix(contractId)),
      ConsistentRead: true,
    });
    return items.map((i) => (i as StoredItem<Contract>).data);
  }

  async all(orgId: string): Promise<Contract[]> {
    const items = await queryAllItems(this.db, {
      ...partitionQuery(this.tableName, keys.contractPartition(orgId)),
      ConsistentRead: true,
    });
    return items.map((i) => (i as StoredItem<Contract>).data);
  }

  async slot(orgId: string): Promise<ContractSlot> {
    return (
      (await getData<ContractSlot>(this.db, this.tableName, keys.contractSlot(orgId), { consistent: true })) ??
      emptySlot(orgId)
    );
  }

  async segmentsFrom(orgId: string, from: string): Promise<ContractTermsSegment[]> {
    const items = await queryAllItems(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'PK = :pk AND SK >= :from',
      ExpressionAttributeValues: {
        ':pk': keys.contractTermsPartition(orgId),
        ':from': keys.contractTermsSegment(orgId, from).SK,
      },
      ConsistentRead: true,
    });
    return items.map((i) => (i as StoredItem<ContractTermsSegment>).data);
  }

  /** Newest first from `to` back to the first segment at or before `from` (usually one or two items). */
  async segmentsBetween(orgId: string, from: Date, to: Date): Promise<ContractTermsSegment[]> {
    const fromIso = from.toISOString();
    const found: ContractTermsSegment[] = [];
    const newestFirst = queryItems(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'PK = :pk AND SK BETWEEN :lowest AND :upTo',
      ExpressionAttributeValues: {
        ':pk': keys.contractTermsPartition(orgId),
        ':lowest': 'FROM#',
        ':upTo': keys.contractTermsSegment(orgId, to.toISOString()).SK,
      },
      ScanIndexForward: false,
      ConsistentRead: true,
      Limit: 4,
    });
    for await (const stored of newestFirst) {
      const segment = (stored as StoredItem<ContractTermsSegment>).data;
      found.push(segment);
      if (segment.from <= fromIso) break;
    }
    return found.reverse();
  }

  async history(orgId: string, contractId: string): Promise<ContractEvent[]> {
    const items = await queryAllItems(
      this.db,
      partitionQuery(this.tableName, keys.contractHistoryPartition(orgId, contractId)),
    );
    return items.map((i) => (i as StoredItem<ContractEvent>).data);
  }

  async commit(write: ContractWrite): Promise<void> {
    const t = this.tableName;
    const items: TransactItem[] = [];
    const orgId = write.records[0]?.next.orgId ?? write.slot?.next.orgId;
    if (!orgId) throw new Error('a contract write names at least one contract or the slot');
    const gateIndex = write.freezeGate ? items.push(freezeGateCheck(t, orgId)) - 1 : -1;
    for (const { next, expectedRevision, dueAt } of write.records) {
      items.push({
        Put: {
          TableName: t,
          Item: item('contract', keys.contractVersion(next.orgId, next.id, next.version), next, {
            revision: next.revision,
            ...(dueAt ? keys.contractDue(next.orgId, next.id, next.version, dueAt) : {}),
          }),
          ...(expectedRevision === null
            ? { ConditionExpression: 'attribute_not_exists(PK)' }
            : {
                ConditionExpression: 'revision = :expected',
                ExpressionAttributeValues: { ':expected': expectedRevision },
              }),
        },
      });
    }
    const slotIndex = write.slot ? items.length : -1;
    if (write.slot) {
      const { next, expectedRevision } = write.slot;
      items.push({
        Put: {
          TableName: t,
          Item: item('contract_slot', keys.contractSlot(next.orgId), next, { revision: next.revision }),
          ...(expectedRevision === 0
            ? { ConditionExpression: 'attribute_not_exists(PK)' }
            : {
                ConditionExpression: 'revision = :expected',
                ExpressionAttributeValues: { ':expected': expectedRevision },
              }),
        },
      });
    }
    // A segment deleted and put again at the same instant is one Put (a transaction names an item once).
    const putAt = new Set((write.segmentsPut ?? []).map((seg) => seg.from));
    for (const from of (write.segmentsDelete ?? []).filter((f) => !putAt.has(f))) {
      items.push({ Delete: { TableName: t, Key: keys.contractTermsSegment(orgId, from) } });
    }
    for (const segment of write.segmentsPut ?? []) {
      items.push({
        Put: { TableName: t, Item: item('contract_terms', keys.contractTermsSegment(orgId, segment.from), segment) },
      });
    }
    for (const event of write.events) {
      items.push({
        Put: {
          TableName: t,
          Item: item('contract_event', keys.contractEvent(event.orgId, event.contractId, event.id), event),
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      });
    }
    for (const audit of write.audits) items.push(auditPut(t, audit));
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (!reasons) throw error;
      if (gateIndex >= 0 && reasons[gateIndex]?.Code === 'ConditionalCheckFailed') {
        const status = await getData<BillingStatus>(this.db, t, keys.billingStatus(orgId), { consistent: true });
        throw frozenError(status?.freezeReasons ?? []);
      }
      if (slotIndex >= 0 && reasons[slotIndex]?.Code === 'ConditionalCheckFailed') {
        throw conflict('conflict', 'another contract of the org was signed or ended at the same time; read it again');
      }
      throw conflict('conflict', 'the contract was changed concurrently; read it again and retry');
    }
  }

  async due(at: Date, limit: number, cursor?: string) {
    const page = await queryWorkList(this.db, this.tableName, {
      partitions: Array.from({ length: keys.contractsDueShards }, (_, s) => keys.contractsDuePartition(s)),
      upTo: `${at.toISOString()}#\uffff`,
      limit,
      cursor: workListCursorFrom(cursor, 'a contracts cursor'),
    });
    const due = page.items.map((raw) => {
      const c = (raw as StoredItem<Contract>).data;
      return { orgId: c.orgId, contractId: c.id, version: c.version };
    });
    return page.cursor ? { due, cursor: workListCursorString(page.cursor) } : { due };
  }
}
