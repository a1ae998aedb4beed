import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { AuditEntry } from '../../kernel/audit';
import { conditionFailedInTransaction, isConditionalCheckFailed } from '../../kernel/dynamo/client';
import { auditPut, getData, item, type StoredItem } from '../../kernel/dynamo/items';
import { keys } from '../../kernel/dynamo/keys';
import { queryPartitionPage, queryWorkList } from '../../kernel/dynamo/pagination';
import type { Page } from '../../kernel/ports';
import { BUILD_DEADLINE_MS, ENQUEUE_GRACE_MS, type ExportJob, recordExpiresAt } from '../domain/export-job';
import type { ExportJobStore } from '../ports';

interface CurrentExport {
  readonly orgId: string;
  readonly exportId: string;
  readonly createdAt: string;
}

const later = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

/**
 * Export jobs under `EXPORTS#<org>`, the org's current export under its `ORG#` partition, and the work
 * list (GSI2) of jobs whose enqueue is unconfirmed or whose build deadline is due. Status changes are
 * conditional on the job still building: a late duplicate never overwrites an outcome.
 */
export class DynamoExportJobStore implements ExportJobStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  get(orgId: string, exportId: string): Promise<ExportJob | undefined> {
    return getData<ExportJob>(this.db, this.tableName, keys.exportJob(orgId, exportId), { consistent: true });
  }

  list(orgId: string, options: { limit: number; cursor?: string }): Promise<Page<ExportJob>> {
    return queryPartitionPage<ExportJob>(this.db, this.tableName, keys.exportPartition(orgId), {
      ...options,
      newestFirst: true,
    });
  }

  async create(job: ExportJob, audit: AuditEntry, current?: { replacing: string | undefined }): Promise<boolean> {
    const t = this.tableName;
    const pointer: CurrentExport = { orgId: job.orgId, exportId: job.id, createdAt: job.createdAt };
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: t,
                Item: item('export', keys.exportJob(job.orgId, job.id), job, {
                  // On the work list until the queue confirms it has the job.
                  ...keys.exportDue(job.orgId, job.id, later(job.createdAt, ENQUEUE_GRACE_MS)),
                  expiresAt: recordExpiresAt(job),
                }),
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
            auditPut(t, audit),
            ...(current
              ? [
                  {
                    Put: {
                      TableName: t,
                      Item: item('export_current', keys.exportCurrent(job.orgId), pointer, {
                        expiresAt: recordExpiresAt(job),
                      }),
                      ...(current.replacing === undefined
                        ? { ConditionExpression: 'attribute_not_exists(PK)' }
                        : {
                            ConditionExpression: '#data.#id = :replacing',
                            ExpressionAttributeNames: { '#data': 'data', '#id': 'exportId' },
                            ExpressionAttributeValues: { ':replacing': current.replacing },
                          }),
                    },
                  },
                ]
              : []),
          ],
        }),
      );
      return true;
    } catch (error) {
      if (current && conditionFailedInTransaction(error, 2)) return false;
      throw error;
    }
  }

  async current(orgId: string): Promise<{ exportId: string; job: ExportJob | undefined } | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.exportCurrent(orgId), ConsistentRead: true }),
    );
    const pointer = (out.Item as StoredItem<CurrentExport> | undefined)?.data;
    return pointer ? { exportId: pointer.exportId, job: await this.get(orgId, pointer.exportId) } : undefined;
  }

  async markEnqueued(job: ExportJob, at: string): Promise<void> {
    const due = keys.exportDue(job.orgId, job.id, later(at, BUILD_DEADLINE_MS));
    await this.updateWhileBuilding(job, 'SET #data.#enqueuedAt = :at, GSI2PK = :pk, GSI2SK = :sk', {
      names: { '#enqueuedAt': 'enqueuedAt' },
      values: { ':at': at, ':pk': due.GSI2PK, ':sk': due.GSI2SK },
    });
  }

  async start(job: ExportJob, at: string): Promise<ExportJob | undefined> {
    try {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.exportJob(job.orgId, job.id),
          UpdateExpression: 'SET #data.#startedAt = :at, #data.#attempts = #data.#attempts + :one',
          ConditionExpression: '#data.#status = :building',
          ExpressionAttributeNames: {
            '#data': 'data',
            '#status': 'status',
            '#startedAt': 'startedAt',
            '#attempts': 'attempts',
          },
          ExpressionAttributeValues: { ':at': at, ':one': 1, ':building': 'building' },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return (out.Attributes as StoredItem<ExportJob>).data;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
  }

  async finish(job: ExportJob): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          // Without GSI2 attributes: off the work list.
          Item: item('export', keys.exportJob(job.orgId, job.id), job, { expiresAt: recordExpiresAt(job) }),
          ConditionExpression: '#data.#status = :building',
          ExpressionAttributeNames: { '#data': 'data', '#status': 'status' },
          ExpressionAttributeValues: { ':building': 'building' },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  async due(now: Date, limit: number): Promise<ExportJob[]> {
    const { items } = await queryWorkList(this.db, this.tableName, {
      partitions: keys.exportsDuePartitions,
      upTo: now.toISOString(),
      limit,
    });
    // GSI2 is eventually consistent: read each job again before acting on it.
    const jobs = await Promise.all(
      items.map((i) => {
        const j = (i as StoredItem<ExportJob>).data;
        return this.get(j.orgId, j.id);
      }),
    );
    return jobs.filter((j): j is ExportJob => j !== undefined);
  }

  private async updateWhileBuilding(
    job: ExportJob,
    update: string,
    extra: { names: Record<string, string>; values: Record<string, unknown> },
  ): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.exportJob(job.orgId, job.id),
          UpdateExpression: update,
          ConditionExpression: '#data.#status = :building',
          ExpressionAttributeNames: { '#data': 'data', '#status': 'status', ...extra.names },
          ExpressionAttributeValues: { ':building': 'building', ...extra.values },
        }),
      );
    } catch (error) {
      // Already built (a fast consumer) or failed: nothing left to record.
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }
}
