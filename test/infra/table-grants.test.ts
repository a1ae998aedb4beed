import { Template } from 'aws-cdk-lib/assertions';
import type { CfnTable } from 'aws-cdk-lib/aws-dynamodb';
import { TABLE_SCHEMA } from '../../functions/table-schema';
import { TABLE_READ_WRITE_ACTIONS } from '../../lib/api-stack';
import { synthBilling } from './support';

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };
let dynamoStatements: Statement[];
let tableLogicalId: string;

beforeAll(() => {
  const { api, stateful } = synthBilling();
  tableLogicalId = stateful.getLogicalId(stateful.table.node.defaultChild as CfnTable);
  dynamoStatements = Object.values(Template.fromStack(api).findResources('AWS::IAM::Policy'))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[])
    .filter((s) => [s.Action].flat().some((a) => a.startsWith('dynamodb:')));
});

const healthCheck = (s: Statement) => JSON.stringify(s.Action) === JSON.stringify('dynamodb:GetItem');

it('every table grant is the item-level one or the health check, and nothing can Scan, describe or read streams', () => {
  expect(dynamoStatements.length).toBeGreaterThan(0);
  for (const s of dynamoStatements.filter((st) => !healthCheck(st))) {
    expect(s.Effect).toBe('Allow');
    expect([s.Action].flat().sort()).toEqual([...TABLE_READ_WRITE_ACTIONS].sort());
  }
  const all = dynamoStatements.flatMap((s) => [s.Action].flat());
  for (const forbidden of ['dynamodb:Scan', 'dynamodb:DescribeTable', 'dynamodb:*', 'dynamodb:GetRecords']) {
    expect(all).not.toContain(forbidden);
  }
});

it('grants the health check one GetItem of the health partition, on the table only', () => {
  const health = dynamoStatements.filter(healthCheck) as (Statement & { Condition?: unknown })[];
  expect(health).toHaveLength(1);
  expect(JSON.stringify(health[0]!.Resource)).toContain(tableLogicalId);
  expect(JSON.stringify(health[0]!.Resource)).not.toContain('/index/');
  expect(health[0]!.Condition).toEqual({ 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['HEALTH'] } });
});

it('on the table and exactly the GSIs of TABLE_SCHEMA, no index wildcard', () => {
  for (const s of dynamoStatements.filter((st) => !healthCheck(st))) {
    const resources = JSON.stringify(s.Resource);
    expect(resources).toContain(tableLogicalId);
    for (const gsi of TABLE_SCHEMA.globalSecondaryIndexes) expect(resources).toContain(`/index/${gsi.indexName}`);
    expect(resources).not.toContain('/index/*');
    expect([s.Resource].flat()).toHaveLength(1 + TABLE_SCHEMA.globalSecondaryIndexes.length);
  }
});
