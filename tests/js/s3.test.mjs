import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { startServer } from './harness.mjs';

let server;
let s3;
before(async () => {
  server = await startServer();
  s3 = new S3Client({ ...server.clientConfig, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: 'js-objects' }));
});
after(async () => { await server.stop(); });

const md5 = (b) => createHash('md5').update(b).digest('hex');

test('buckets are listed and deleted', async () => {
  await s3.send(new CreateBucketCommand({ Bucket: 'js-life' }));
  const { Buckets } = await s3.send(new ListBucketsCommand({}));
  assert.ok(Buckets.some((b) => b.Name === 'js-life'));
  await s3.send(new DeleteBucketCommand({ Bucket: 'js-life' }));
  await assert.rejects(s3.send(new DeleteBucketCommand({ Bucket: 'js-life' })), { name: 'NoSuchBucket' });
});

test('objects round-trip with metadata, ranges and large bodies', async () => {
  const put = await s3.send(new PutObjectCommand({
    Bucket: 'js-objects', Key: 'note.txt', Body: 'hello from js', ContentType: 'text/plain', Metadata: { who: 'js' },
  }));
  assert.equal(put.ETag, `"${md5('hello from js')}"`);
  const got = await s3.send(new GetObjectCommand({ Bucket: 'js-objects', Key: 'note.txt' }));
  assert.equal(await got.Body.transformToString(), 'hello from js');
  assert.equal(got.ContentType, 'text/plain');
  assert.deepEqual(got.Metadata, { who: 'js' });
  const part = await s3.send(new GetObjectCommand({ Bucket: 'js-objects', Key: 'note.txt', Range: 'bytes=0-4' }));
  assert.equal(part.ContentRange, 'bytes 0-4/13');
  assert.equal(await part.Body.transformToString(), 'hello');

  const big = randomBytes(2 * 1024 * 1024 + 5);
  const bigPut = await s3.send(new PutObjectCommand({ Bucket: 'js-objects', Key: 'big.bin', Body: big }));
  assert.equal(bigPut.ETag, `"${md5(big)}"`);
  const bigGot = await s3.send(new GetObjectCommand({ Bucket: 'js-objects', Key: 'big.bin' }));
  assert.equal(md5(Buffer.from(await bigGot.Body.transformToByteArray())), md5(big));

  await s3.send(new DeleteObjectCommand({ Bucket: 'js-objects', Key: 'note.txt' }));
  await assert.rejects(s3.send(new GetObjectCommand({ Bucket: 'js-objects', Key: 'note.txt' })), NoSuchKey);
  await assert.rejects(s3.send(new HeadObjectCommand({ Bucket: 'js-objects', Key: 'note.txt' })), { name: 'NotFound' });
});

test('lib-storage Upload sends a multipart upload in parallel parts', async () => {
  const body = randomBytes(11 * 1024 * 1024);
  const upload = new Upload({
    client: s3, params: { Bucket: 'js-objects', Key: 'dir/multi.bin', Body: body }, partSize: 5 * 1024 * 1024, queueSize: 3,
  });
  const done = await upload.done();
  assert.match(done.ETag, /-3"$/);
  const got = await s3.send(new GetObjectCommand({ Bucket: 'js-objects', Key: 'dir/multi.bin' }));
  assert.equal(md5(Buffer.from(await got.Body.transformToByteArray())), md5(body));
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'js-objects', Prefix: 'dir/', Delimiter: '/' }));
  assert.deepEqual(listed.Contents.map((o) => o.Key), ['dir/multi.bin']);
  assert.equal(listed.Contents[0].Size, body.length);
});
