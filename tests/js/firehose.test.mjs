import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  CreateDeliveryStreamCommand,
  DescribeDeliveryStreamCommand,
  FirehoseClient,
  PutRecordBatchCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-firehose';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { account, region, startServer } from './harness.mjs';

let server;
let firehose;
let s3;
before(async () => {
  server = await startServer();
  firehose = new FirehoseClient(server.clientConfig);
  s3 = new S3Client({ ...server.clientConfig, forcePathStyle: true });
});
after(async () => { await server.stop(); });

async function objects(bucket) {
  const { Contents = [] } = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  const out = [];
  for (const o of Contents) {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key }));
    out.push({ key: o.Key, body: Buffer.from(await got.Body.transformToByteArray()) });
  }
  return out;
}

test('a batch of binary records lands in S3 as one object', async () => {
  await s3.send(new CreateBucketCommand({ Bucket: 'js-firehose' }));
  const { DeliveryStreamARN } = await firehose.send(new CreateDeliveryStreamCommand({
    DeliveryStreamName: 'js-fh',
    ExtendedS3DestinationConfiguration: {
      RoleARN: `arn:aws:iam::${account}:role/firehose`,
      BucketARN: 'arn:aws:s3:::js-firehose',
      Prefix: 'raw/',
      BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 },
    },
  }));
  assert.equal(DeliveryStreamARN, `arn:aws:firehose:${region}:${account}:deliverystream/js-fh`);
  const { DeliveryStreamDescription: d } = await firehose.send(
    new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'js-fh' }));
  assert.equal(d.DeliveryStreamStatus, 'ACTIVE');
  const records = [new Uint8Array([0, 1, 2]), new Uint8Array([250, 255])].map((Data) => ({ Data }));
  const put = await firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: 'js-fh', Records: records }));
  assert.equal(put.FailedPutCount, 0);
  assert.equal(put.RequestResponses.length, 2);
  let got = [];
  for (let i = 0; i < 100 && got.length === 0; i++) {
    got = await objects('js-firehose');
    if (got.length === 0) await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(got.length, 1);
  assert.match(got[0].key, /^raw\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/js-fh-1-/);
  assert.deepEqual([...got[0].body], [0, 1, 2, 250, 255]);
  await assert.rejects(firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'nope' })),
    (e) => e instanceof ResourceNotFoundException
      && e.message === `Firehose nope under account ${account} not found.`);
});
