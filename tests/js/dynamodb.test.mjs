import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  PutItemCommand,
  ResourceNotFoundException,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { startServer } from './harness.mjs';

let server;
let ddb;
let doc;
before(async () => {
  server = await startServer();
  ddb = new DynamoDBClient(server.clientConfig);
  doc = DynamoDBDocumentClient.from(ddb);
});
after(async () => { await server.stop(); });

const createTable = (TableName) => ddb.send(new CreateTableCommand({
  TableName,
  BillingMode: 'PAY_PER_REQUEST',
  KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
  AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'N' }],
}));

test('tables: create, wait, describe, list, delete', async () => {
  const { TableDescription } = await createTable('js-tables');
  assert.equal(TableDescription.TableStatus, 'ACTIVE');
  await waitUntilTableExists({ client: ddb, maxWaitTime: 30, minDelay: 1 }, { TableName: 'js-tables' });
  const { Table } = await ddb.send(new DescribeTableCommand({ TableName: 'js-tables' }));
  assert.equal(Table.TableId, TableDescription.TableId);
  assert.ok((await ddb.send(new ListTablesCommand({}))).TableNames.includes('js-tables'));
  await ddb.send(new DeleteTableCommand({ TableName: 'js-tables' }));
  await assert.rejects(ddb.send(new DescribeTableCommand({ TableName: 'js-tables' })),
    (e) => e instanceof ResourceNotFoundException);
});

test('DocumentClient: batch write, query, update, conditions', async () => {
  await createTable('js-docs');
  await doc.send(new BatchWriteCommand({
    RequestItems: {
      'js-docs': Array.from({ length: 20 }, (_, i) => ({
        PutRequest: { Item: { pk: 'order', sk: i, total: i * 0.5, tags: new Set(['a']), meta: { n: i } } },
      })),
    },
  }));
  const q = await doc.send(new QueryCommand({
    TableName: 'js-docs',
    KeyConditionExpression: 'pk = :p AND sk > :s',
    ExpressionAttributeValues: { ':p': 'order', ':s': 15 },
  }));
  assert.deepEqual(q.Items.map((i) => i.sk), [16, 17, 18, 19]);
  assert.equal(q.Items[0].total, 8);
  assert.deepEqual(q.Items[0].meta, { n: 16 });

  const u = await doc.send(new UpdateCommand({
    TableName: 'js-docs',
    Key: { pk: 'order', sk: 1 },
    UpdateExpression: 'ADD #t :d',
    ExpressionAttributeNames: { '#t': 'total' },
    ExpressionAttributeValues: { ':d': 0.2 },
    ReturnValues: 'ALL_NEW',
  }));
  assert.equal(u.Attributes.total, 0.7);
  const got = await doc.send(new GetCommand({ TableName: 'js-docs', Key: { pk: 'order', sk: 1 } }));
  assert.equal(got.Item.total, 0.7);

  await assert.rejects(ddb.send(new PutItemCommand({
    TableName: 'js-docs',
    Item: { pk: { S: 'order' }, sk: { N: '1' } },
    ConditionExpression: 'attribute_not_exists(pk)',
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  })), (e) => e instanceof ConditionalCheckFailedException && e.Item?.total?.N === '0.7');
});
