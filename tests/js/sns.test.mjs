// SNS through the AWS SDK for JavaScript v3 (awsQuery): topics,
// subscriptions, Publish into an SQS queue with the Notification envelope,
// PublishBatch with a per-entry failure, and SNS's errors.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  CreateTopicCommand,
  GetSubscriptionAttributesCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  PublishBatchCommand,
  PublishCommand,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { account, region, startServer } from './harness.mjs';
import { drain, makeQueue } from './sqs-helpers.mjs';

let server;
let sns;
let sqs;
before(async () => {
  server = await startServer();
  sns = new SNSClient(server.clientConfig);
  sqs = new SQSClient(server.clientConfig);
});
after(async () => { await server.stop(); });

const queue = (name) => makeQueue(sqs, name);
const receive = (url, count) => drain(sqs, url, count);

test('topic and subscription', async () => {
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'js-topic', Attributes: { DisplayName: 'JS' } }));
  assert.equal(TopicArn, `arn:aws:sns:${region}:${account}:js-topic`);
  const { Attributes } = await sns.send(new GetTopicAttributesCommand({ TopicArn }));
  assert.equal(Attributes.DisplayName, 'JS');
  const { arn } = await queue('js-topic-q');
  const { SubscriptionArn } = await sns.send(new SubscribeCommand({
    TopicArn, Protocol: 'sqs', Endpoint: arn, Attributes: { RawMessageDelivery: 'true' },
  }));
  const sub = await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn }));
  assert.equal(sub.Attributes.RawMessageDelivery, 'true');
  const listed = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }));
  assert.deepEqual(listed.Subscriptions.map((s) => s.SubscriptionArn), [SubscriptionArn]);
});

test('publish reaches the queue in the envelope', async () => {
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'js-pub' }));
  const { url, arn } = await queue('js-pub-q');
  await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: arn }));
  const { MessageId } = await sns.send(new PublishCommand({
    TopicArn, Message: 'from js', Subject: 'js',
    MessageAttributes: { n: { DataType: 'Number', StringValue: '7' } },
  }));
  const [m] = await receive(url, 1);
  const body = JSON.parse(m.Body);
  assert.equal(body.Type, 'Notification');
  assert.equal(body.MessageId, MessageId);
  assert.equal(body.Message, 'from js');
  assert.equal(body.Subject, 'js');
  assert.deepEqual(body.MessageAttributes, { n: { Type: 'Number', Value: '7' } });
});

test('publish batch and errors', async () => {
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'js-batch' }));
  const out = await sns.send(new PublishBatchCommand({
    TopicArn,
    PublishBatchRequestEntries: [{ Id: 'ok', Message: 'fine' }, { Id: 'bad', Message: '' }],
  }));
  assert.deepEqual(out.Successful.map((e) => e.Id), ['ok']);
  assert.equal(out.Failed[0].Id, 'bad');
  assert.equal(out.Failed[0].Code, 'InvalidParameter');
  await assert.rejects(sns.send(new GetTopicAttributesCommand({ TopicArn: `${TopicArn}-missing` })), (e) => {
    assert.equal(e.name, 'NotFoundException');
    assert.equal(e.message, 'Topic does not exist');
    return true;
  });
  await assert.rejects(sns.send(new PublishCommand({ TopicArn, Message: 'x'.repeat(262145) })), (e) => {
    assert.equal(e.name, 'InvalidParameterException');
    assert.equal(e.message, 'Invalid parameter: Message too long');
    return true;
  });
});
