import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  ListTagsForStreamCommand,
  PutRecordCommand,
  PutRecordsCommand,
  ResourceNotFoundException,
  waitUntilStreamExists,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { account, region, startServer } from './harness.mjs';

let server;
let kinesis;
before(async () => {
  server = await startServer();
  // The Kinesis client defaults to HTTP/2 (for SubscribeToShard); nimbus
  // serves HTTP/1.1, so it gets the HTTP/1.1 handler, as for other emulators.
  kinesis = new KinesisClient({ ...server.clientConfig, requestHandler: new NodeHttpHandler() });
});
after(async () => { await server.stop(); });

test('stream life cycle with the waiter and StreamARN', async () => {
  await kinesis.send(new CreateStreamCommand({ StreamName: 'js-life', ShardCount: 2, Tags: { team: 'js' } }));
  await waitUntilStreamExists({ client: kinesis, maxWaitTime: 10, minDelay: 1 }, { StreamName: 'js-life' });
  const arn = `arn:aws:kinesis:${region}:${account}:stream/js-life`;
  const { StreamDescriptionSummary: s } = await kinesis.send(new DescribeStreamSummaryCommand({ StreamARN: arn }));
  assert.equal(s.StreamStatus, 'ACTIVE');
  assert.equal(s.OpenShardCount, 2);
  const { Shards } = await kinesis.send(new ListShardsCommand({ StreamARN: arn }));
  assert.deepEqual(Shards.map((x) => x.ShardId), ['shardId-000000000000', 'shardId-000000000001']);
  const { Tags } = await kinesis.send(new ListTagsForStreamCommand({ StreamName: 'js-life' }));
  assert.deepEqual(Tags, [{ Key: 'team', Value: 'js' }]);
  await kinesis.send(new DeleteStreamCommand({ StreamARN: arn }));
  await assert.rejects(kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'js-life' })),
    (e) => e instanceof ResourceNotFoundException
      && e.message === `Stream js-life under account ${account} not found.`);
});

test('put and get records as bytes', async () => {
  await kinesis.send(new CreateStreamCommand({ StreamName: 'js-records', ShardCount: 1 }));
  const bytes = new Uint8Array([0, 1, 2, 250, 255]);
  const one = await kinesis.send(new PutRecordCommand({ StreamName: 'js-records', PartitionKey: 'k', Data: bytes }));
  assert.equal(one.ShardId, 'shardId-000000000000');
  assert.match(one.SequenceNumber, /^\d{56}$/);
  const many = await kinesis.send(new PutRecordsCommand({
    StreamName: 'js-records',
    Records: Array.from({ length: 10 }, (_, i) => ({ PartitionKey: `p${i}`, Data: new TextEncoder().encode(`r${i}`) })),
  }));
  assert.equal(many.FailedRecordCount, 0);
  const { ShardIterator } = await kinesis.send(new GetShardIteratorCommand({
    StreamName: 'js-records', ShardId: 'shardId-000000000000', ShardIteratorType: 'AT_SEQUENCE_NUMBER',
    StartingSequenceNumber: one.SequenceNumber,
  }));
  const got = await kinesis.send(new GetRecordsCommand({ ShardIterator, Limit: 100 }));
  assert.equal(got.Records.length, 11);
  assert.deepEqual(got.Records[0].Data, bytes);
  assert.equal(new TextDecoder().decode(got.Records[10].Data), 'r9');
  assert.ok(got.Records[0].ApproximateArrivalTimestamp instanceof Date);
  assert.equal(got.MillisBehindLatest, 0);
  assert.ok(got.NextShardIterator);
});
