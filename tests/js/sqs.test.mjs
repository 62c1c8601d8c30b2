import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import {
  AddPermissionCommand,
  CancelMessageMoveTaskCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  RemovePermissionCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
  TagQueueCommand,
} from '@aws-sdk/client-sqs';
import { account, region, startServer } from './harness.mjs';

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

// Dead-letter queue redrive and MessageSystemAttributeNames: API nimbus adds
// to its 2022 SQS model by an overlay (src/protocol/overlays/sqs.json).
const arn = (name) => `arn:aws:sqs:${region}:${account}:${name}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(fn, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v || Date.now() > deadline) return v;
    await sleep(50);
  }
}

async function count(QueueUrl) {
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({
    QueueUrl, AttributeNames: ['ApproximateNumberOfMessages'],
  }));
  return Number(Attributes.ApproximateNumberOfMessages);
}

test('redrive a dead-letter queue back to its source', async () => {
  const dlq = (await sqs.send(new CreateQueueCommand({ QueueName: 'js-mv-dlq' }))).QueueUrl;
  const src = (await sqs.send(new CreateQueueCommand({
    QueueName: 'js-mv',
    Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arn('js-mv-dlq'), maxReceiveCount: 1 }) },
  }))).QueueUrl;
  for (const body of ['a', 'b', 'c']) await sqs.send(new SendMessageCommand({ QueueUrl: src, MessageBody: body }));
  for (;;) {
    const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: src, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }));
    if (!r.Messages?.length) break;
  }
  assert.equal(await waitFor(async () => (await count(dlq)) === 3), true);

  // Not a dead-letter queue; a missing queue; an unknown task.
  await assert.rejects(sqs.send(new StartMessageMoveTaskCommand({ SourceArn: arn('js-mv') })), (err) => {
    assert.equal(err.name, 'InvalidParameterValue');
    assert.equal(err.$metadata.httpStatusCode, 400);
    return true;
  });
  await assert.rejects(sqs.send(new StartMessageMoveTaskCommand({ SourceArn: arn('js-none') })), (err) => {
    assert.equal(err.name, 'ResourceNotFoundException');
    return true;
  });
  await assert.rejects(sqs.send(new CancelMessageMoveTaskCommand({ TaskHandle: 'bm9wZQ==' })), (err) => {
    assert.equal(err.name, 'ResourceNotFoundException');
    return true;
  });

  const { TaskHandle } = await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: arn('js-mv-dlq') }));
  assert.ok(TaskHandle);
  const done = await waitFor(async () => {
    const { Results } = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: arn('js-mv-dlq') }));
    return Results[0].Status === 'COMPLETED' ? Results[0] : null;
  });
  assert.equal(done.ApproximateNumberOfMessagesMoved, 3);
  assert.equal(done.ApproximateNumberOfMessagesToMove, 3);
  assert.equal(done.TaskHandle, undefined);
  assert.equal(await count(src), 3);
  assert.equal(await count(dlq), 0);
  await assert.rejects(sqs.send(new CancelMessageMoveTaskCommand({ TaskHandle })), (err) => {
    assert.equal(err.name, 'InvalidParameterValue');
    return true;
  });

  // The moved messages carry their system attributes, selected by the newer member.
  const got = await sqs.send(new ReceiveMessageCommand({
    QueueUrl: src, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['ApproximateReceiveCount'],
  }));
  assert.equal(got.Messages.length, 3);
  for (const m of got.Messages) assert.deepEqual(Object.keys(m.Attributes), ['ApproximateReceiveCount']);
});

test('AddPermission and RemovePermission edit the Policy; tags are validated', async () => {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'js-perm' }));
  const arn = `arn:aws:sqs:${region}:${account}:js-perm`;
  await sqs.send(new AddPermissionCommand({
    QueueUrl, Label: 'js', AWSAccountIds: ['111122223333'], Actions: ['SendMessage'],
  }));
  const policy = async () => (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['Policy'] })))
    .Attributes?.Policy;
  assert.deepEqual(JSON.parse(await policy()), {
    Version: '2012-10-17',
    Id: `${arn}/SQSDefaultPolicy`,
    Statement: [{
      Sid: 'js', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' },
      Action: 'SQS:SendMessage', Resource: arn,
    }],
  });
  await assert.rejects(sqs.send(new AddPermissionCommand({
    QueueUrl, Label: 'js', AWSAccountIds: ['111122223333'], Actions: ['ReceiveMessage'],
  })), (err) => {
    assert.equal(err.name, 'InvalidParameterValue');
    assert.equal(err.message, 'Value js for parameter Label is invalid. Reason: Already exists.');
    return true;
  });
  await sqs.send(new RemovePermissionCommand({ QueueUrl, Label: 'js' }));
  assert.equal(await policy(), undefined);
  await assert.rejects(sqs.send(new RemovePermissionCommand({ QueueUrl, Label: 'js' })), (err) => {
    assert.equal(err.name, 'InvalidParameterValue');
    return true;
  });
  await assert.rejects(sqs.send(new TagQueueCommand({ QueueUrl, Tags: { 'aws:reserved': 'v' } })), (err) => {
    assert.equal(err.name, 'InvalidParameterValue');
    return true;
  });
});
