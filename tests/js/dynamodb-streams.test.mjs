import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  CreateTableCommand,
  DeleteItemCommand,
  DynamoDBClient,
  ExecuteStatementCommand,
  PutItemCommand,
  QueryCommand,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  TransactGetCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListStreamsCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb-streams';
import { startServer } from './harness.mjs';

let server;
let ddb;
let streams;
before(async () => {
  server = await startServer();
  ddb = new DynamoDBClient(server.clientConfig);
  streams = new DynamoDBStreamsClient(server.clientConfig);
});
after(async () => { await server.stop(); });

test('streams: records of a table read through client-dynamodb-streams', async () => {
  const { TableDescription } = await ddb.send(new CreateTableCommand({
    TableName: 'js-stream',
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
  }));
  const arn = TableDescription.LatestStreamArn;
  await ddb.send(new PutItemCommand({ TableName: 'js-stream', Item: { pk: { S: 'a' }, v: { N: '1' } } }));
  await ddb.send(new DeleteItemCommand({ TableName: 'js-stream', Key: { pk: { S: 'a' } } }));

  const { Streams } = await streams.send(new ListStreamsCommand({ TableName: 'js-stream' }));
  assert.equal(Streams[0].StreamArn, arn);
  const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: arn }));
  assert.equal(StreamDescription.StreamStatus, 'ENABLED');
  const shard = StreamDescription.Shards[0].ShardId;
  const { ShardIterator } = await streams.send(new GetShardIteratorCommand({
    StreamArn: arn, ShardId: shard, ShardIteratorType: 'TRIM_HORIZON',
  }));
  const { Records, NextShardIterator } = await streams.send(new GetRecordsCommand({ ShardIterator }));
  assert.deepEqual(Records.map((r) => r.eventName), ['INSERT', 'REMOVE']);
  assert.deepEqual(Records[0].dynamodb.NewImage, { pk: { S: 'a' }, v: { N: '1' } });
  assert.equal(Records[1].dynamodb.NewImage, undefined);
  assert.ok(Records[0].dynamodb.ApproximateCreationDateTime instanceof Date);
  assert.ok(NextShardIterator);

  await assert.rejects(streams.send(new DescribeStreamCommand({ StreamArn: `${arn}0` })),
    (e) => e instanceof ResourceNotFoundException);
});

test('indexes: a GSI queried through client-dynamodb', async () => {
  await ddb.send(new CreateTableCommand({
    TableName: 'js-gsi',
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'email', AttributeType: 'S' }],
    GlobalSecondaryIndexes: [{
      IndexName: 'by_email',
      KeySchema: [{ AttributeName: 'email', KeyType: 'HASH' }],
      Projection: { ProjectionType: 'ALL' },
    }],
  }));
  await ddb.send(new PutItemCommand({ TableName: 'js-gsi', Item: { pk: { S: 'u1' }, email: { S: 'a@x' } } }));
  await ddb.send(new PutItemCommand({ TableName: 'js-gsi', Item: { pk: { S: 'u2' } } }));
  const out = await ddb.send(new QueryCommand({
    TableName: 'js-gsi',
    IndexName: 'by_email',
    KeyConditionExpression: 'email = :e',
    ExpressionAttributeValues: { ':e': { S: 'a@x' } },
  }));
  assert.deepEqual(out.Items.map((i) => i.pk.S), ['u1']);
});

test('transactions through the DocumentClient, read back from the stream', async () => {
  const doc = DynamoDBDocumentClient.from(ddb);
  const { TableDescription } = await ddb.send(new CreateTableCommand({
    TableName: 'js-tx',
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'owner', AttributeType: 'S' }],
    GlobalSecondaryIndexes: [{
      IndexName: 'by_owner',
      KeySchema: [{ AttributeName: 'owner', KeyType: 'HASH' }],
      Projection: { ProjectionType: 'ALL' },
    }],
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
  }));
  await doc.send(new TransactWriteCommand({
    TransactItems: [
      { Put: { TableName: 'js-tx', Item: { pk: 'alice', owner: 'o1', balance: 100 } } },
      { Put: { TableName: 'js-tx', Item: { pk: 'bob', owner: 'o1', balance: 0 } } },
    ],
  }));
  // A transfer, then one that would overdraw: cancelled, nothing changes.
  const transfer = (amount) => doc.send(new TransactWriteCommand({
    TransactItems: [
      {
        Update: {
          TableName: 'js-tx', Key: { pk: 'alice' }, UpdateExpression: 'SET balance = balance - :a',
          ConditionExpression: 'balance >= :a', ExpressionAttributeValues: { ':a': amount },
        },
      },
      {
        Update: {
          TableName: 'js-tx', Key: { pk: 'bob' }, UpdateExpression: 'SET balance = balance + :a',
          ExpressionAttributeValues: { ':a': amount },
        },
      },
    ],
  }));
  await transfer(30);
  await assert.rejects(transfer(500), (e) => e instanceof TransactionCanceledException &&
    e.CancellationReasons.map((r) => r.Code).join() === 'ConditionalCheckFailed,None');
  const { Responses } = await doc.send(new TransactGetCommand({
    TransactItems: [{ Get: { TableName: 'js-tx', Key: { pk: 'alice' } } },
      { Get: { TableName: 'js-tx', Key: { pk: 'bob' } } }],
  }));
  assert.deepEqual(Responses.map((r) => r.Item.balance), [70, 30]);
  // PartiQL on the index.
  const { Items } = await ddb.send(new ExecuteStatementCommand({
    Statement: 'SELECT pk FROM "js-tx"."by_owner" WHERE owner = ?', Parameters: [{ S: 'o1' }],
  }));
  assert.deepEqual(Items.map((i) => i.pk.S).sort(), ['alice', 'bob']);

  // The stream: two INSERTs and two MODIFYs, none for the cancelled transfer.
  const arn = TableDescription.LatestStreamArn;
  const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: arn }));
  const { ShardIterator } = await streams.send(new GetShardIteratorCommand({
    StreamArn: arn, ShardId: StreamDescription.Shards[0].ShardId, ShardIteratorType: 'TRIM_HORIZON',
  }));
  const { Records } = await streams.send(new GetRecordsCommand({ ShardIterator }));
  assert.deepEqual(Records.map((r) => r.eventName), ['INSERT', 'INSERT', 'MODIFY', 'MODIFY']);
  const alice = Records.filter((r) => r.dynamodb.Keys.pk.S === 'alice');
  assert.deepEqual(alice[1].dynamodb.OldImage.balance, { N: '100' });
  assert.deepEqual(alice[1].dynamodb.NewImage.balance, { N: '70' });
});
