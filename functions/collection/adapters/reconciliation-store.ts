import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { getData, item } from '../../kernel/dynamo/items';
import { keys } from '../../kernel/dynamo/keys';
import type { DriftReport } from '../domain/drift';
import type { FleetRun, ReconciliationStore } from '../ports';

/** The latest drift report per org (replaced by each run) and the latest fleet run. */
export class DynamoReconciliationStore implements ReconciliationStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async putReport(report: DriftReport): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: item('reconciliation_report', keys.reconciliationReport(report.orgId), report),
      }),
    );
  }

  getReport(orgId: string): Promise<DriftReport | undefined> {
    return getData<DriftReport>(this.db, this.tableName, keys.reconciliationReport(orgId));
  }

  async putRun(run: FleetRun): Promise<void> {
    await this.db.send(
      new PutCommand({ TableName: this.tableName, Item: item('reconciliation_run', keys.reconciliationRun, run) }),
    );
  }

  getRun(): Promise<FleetRun | undefined> {
    return getData<FleetRun>(this.db, this.tableName, keys.reconciliationRun);
  }
}
