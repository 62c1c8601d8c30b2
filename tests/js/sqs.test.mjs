import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { account, startServer } from './harness.mjs';

let server;
let sqs;
before(async () => {
  server = await startServer();
  sqs = new SQSClient(server.clientConfig);
});
after(async () => { await server.stop(); });

const md5 = (s) => createHash('md5').update(s).digest('hex');

test('queue lifecycle and attributes', async () => {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'js-life', Attributes: { VisibilityTimeout: '40' } }));
  assert.equal(QueueUrl, `${server.endpoint}/${account}/js-life`);
  const got = await sqs.send(new GetQueueUrlCommand({ QueueName: 'js-life' }));
  assert.equal(got.QueueUrl, QueueUrl);
  const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
  assert.equal(attrs.Attributes.VisibilityTimeout, '40');
  await sqs.send(new DeleteQueueCommand({ QueueUrl }));
  await assert.rejects(sqs.send(new GetQueueUrlCommand({ QueueName: 'js-life' })), (err) => {
    assert.equal(err.name, 'QueueDoesNotExist');
    return true;
  });
});

test('send, receive, delete in batches (the SDK checks the MD5s)', async () => {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'js-batch' }));
  const sent = await sqs.send(new SendMessageCommand({
    QueueUrl,
    MessageBody: 'hello',
    MessageAttributes: { City: { DataType: 'String', StringValue: 'Any City' } },
  }));
  assert.equal(sent.MD5OfMessageBody, md5('hello'));
  const batch = await sqs.send(new SendMessageBatchCommand({
    QueueUrl,
    Entries: Array.from({ length: 9 }, (_, i) => ({ Id: `m${i}`, MessageBody: `body ${i}` })),
  }));
  assert.equal(batch.Successful.length, 9);
  const out = await sqs.send(new ReceiveMessageCommand({
    QueueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'],
  }));
  assert.equal(out.Messages.length, 10);
  const del = await sqs.send(new DeleteMessageBatchCommand({
    QueueUrl,
    Entries: out.Messages.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })),
  }));
  assert.equal(del.Successful.length, 10);
});

test('visibility timeout and receipt handle errors', async () => {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'js-vis' }));
  await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' }));
  const first = await sqs.send(new ReceiveMessageCommand({ QueueUrl }));
  assert.equal(first.Messages.length, 1);
  const none = await sqs.send(new ReceiveMessageCommand({ QueueUrl }));
  assert.equal((none.Messages ?? []).length, 0);
  await sqs.send(new ChangeMessageVisibilityCommand({
    QueueUrl, ReceiptHandle: first.Messages[0].ReceiptHandle, VisibilityTimeout: 0,
  }));
  const again = await sqs.send(new ReceiveMessageCommand({ QueueUrl }));
  assert.equal(again.Messages.length, 1);
  await assert.rejects(sqs.send(new ChangeMessageVisibilityCommand({
    QueueUrl, ReceiptHandle: 'garbage', VisibilityTimeout: 0,
  })), (err) => {
    assert.equal(err.name, 'ReceiptHandleIsInvalid');
    return true;
  });
});

test('FIFO order within a group', async () => {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({
    QueueName: 'js-jobs.fifo', Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true' },
  }));
  for (const body of ['a', 'b', 'c']) {
    const r = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: body, MessageGroupId: 'g' }));
    assert.equal(r.SequenceNumber.length, 20);
  }
  const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
  assert.deepEqual(out.Messages.map((m) => m.Body), ['a', 'b', 'c']);
});
