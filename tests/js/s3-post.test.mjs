// Browser POST uploads with the JS SDK's createPresignedPost
// (@aws-sdk/s3-presigned-post), posted as a page posts them: Node's fetch
// with a FormData whose file comes last.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { startServer } from './harness.mjs';

let server;
let s3;
before(async () => {
  server = await startServer();
  s3 = new S3Client({ ...server.clientConfig, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: 'js-post' }));
});
after(async () => { await server.stop(); });

function formOf(fields, file, name = 'photo.txt') {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append('file', new Blob([file], { type: 'text/plain' }), name);
  return form;
}

test('a presigned POST uploads the file with its fields', async () => {
  const { url, fields } = await createPresignedPost(s3, {
    Bucket: 'js-post',
    Key: 'uploads/${filename}',
    Conditions: [['content-length-range', 1, 1024], ['starts-with', '$Content-Type', 'text/']],
    Fields: { 'Content-Type': 'text/plain', success_action_status: '201' },
    Expires: 300,
  });
  const r = await fetch(url, { method: 'POST', body: formOf(fields, 'from the browser') });
  const text = await r.text();
  assert.equal(r.status, 201, text);
  assert.match(text, /<Key>uploads\/photo.txt<\/Key>/);
  const got = await s3.send(new GetObjectCommand({ Bucket: 'js-post', Key: 'uploads/photo.txt' }));
  assert.equal(await got.Body.transformToString(), 'from the browser');
  assert.equal(got.ContentType, 'text/plain');
});

test('a broken condition or signature stores nothing', async () => {
  const { url, fields } = await createPresignedPost(s3, {
    Bucket: 'js-post', Key: 'refused.txt', Conditions: [['content-length-range', 1, 4]],
  });
  let r = await fetch(url, { method: 'POST', body: formOf(fields, 'far too long') });
  assert.equal(r.status, 400);
  assert.match(await r.text(), /<Code>EntityTooLarge<\/Code>/);
  const tampered = { ...fields, 'X-Amz-Signature': '0'.repeat(64) };
  r = await fetch(url, { method: 'POST', body: formOf(tampered, 'ok') });
  assert.equal(r.status, 403);
  assert.match(await r.text(), /<Code>SignatureDoesNotMatch<\/Code>/);
  await assert.rejects(s3.send(new HeadObjectCommand({ Bucket: 'js-post', Key: 'refused.txt' })), { name: 'NotFound' });
  r = await fetch(url, { method: 'POST', body: formOf(fields, 'ok') });
  assert.equal(r.status, 204);
});
