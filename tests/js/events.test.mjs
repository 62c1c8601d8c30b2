// EventBridge through the AWS SDK for JavaScript v3 (awsJson 1.1): a custom
// bus, a rule with a content filter and an InputTransformer delivering to SQS,
// PutEvents with a per-entry failure, an archive replayed into the bus, and
// EventBridge's errors.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  CreateArchiveCommand,
  CreateEventBusCommand,
  DescribeArchiveCommand,
  DescribeReplayCommand,
  DescribeRuleCommand,
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  ResourceNotFoundException,
  StartReplayCommand,
} from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { account, region, startServer } from './harness.mjs';
import { drain, makeQueue } from './sqs-helpers.mjs';

let server;
let events;
let sqs;
before(async () => {
  server = await startServer();
  events = new EventBridgeClient(server.clientConfig);
  sqs = new SQSClient(server.clientConfig);
});
after(async () => { await server.stop(); });

const queue = (name) => makeQueue(sqs, name);
const receive = async (url, count) => (await drain(sqs, url, count)).map((m) => JSON.parse(m.Body));

async function until(fn, seconds = 20) {
  for (let i = 0; i < seconds * 10; i++) {
    if (await fn()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

test('a rule filters, transforms and delivers; an archive replays', async () => {
  const { EventBusArn } = await events.send(new CreateEventBusCommand({ Name: 'js-orders' }));
  assert.equal(EventBusArn, `arn:aws:events:${region}:${account}:event-bus/js-orders`);
  const big = await queue('js-big-orders');
  const { RuleArn } = await events.send(new PutRuleCommand({
    Name: 'big', EventBusName: 'js-orders',
    EventPattern: JSON.stringify({ source: ['shop'], detail: { total: [{ numeric: ['>', 100] }] } }),
  }));
  assert.equal(RuleArn, `arn:aws:events:${region}:${account}:rule/js-orders/big`);
  const targets = await events.send(new PutTargetsCommand({
    Rule: 'big', EventBusName: 'js-orders',
    Targets: [{
      Id: 'q', Arn: big.arn,
      InputTransformer: {
        InputPathsMap: { id: '$.detail.id', total: '$.detail.total' },
        InputTemplate: '{"order": <id>, "total": <total>}',
      },
    }],
  }));
  assert.equal(targets.FailedEntryCount, 0);
  const archive = await events.send(new CreateArchiveCommand({
    ArchiveName: 'js-kept', EventSourceArn: EventBusArn, EventPattern: JSON.stringify({ source: ['shop'] }),
  }));

  const start = new Date(Date.now() - 60_000);
  const at = new Date(Date.now() - 30_000);  // whole seconds on the wire: inside [start, now)
  const put = await events.send(new PutEventsCommand({
    Entries: [
      { EventBusName: 'js-orders', Source: 'shop', DetailType: 'order', Time: at, Detail: JSON.stringify({ id: 'o-1', total: 250 }) },
      { EventBusName: 'js-orders', Source: 'shop', DetailType: 'order', Time: at, Detail: JSON.stringify({ id: 'o-2', total: 20 }) },
      { EventBusName: 'js-orders', Source: 'shop', DetailType: 'order', Time: at, Detail: 'not json' },
    ],
  }));
  assert.equal(put.FailedEntryCount, 1);
  assert.match(put.Entries[0].EventId, /^[0-9a-f-]{36}$/);
  assert.equal(put.Entries[2].ErrorCode, 'MalformedDetail');
  assert.deepEqual(await receive(big.url, 1), [{ order: 'o-1', total: 250 }]);
  assert.ok(await until(async () =>
    (await events.send(new DescribeArchiveCommand({ ArchiveName: 'js-kept' }))).EventCount === 2));

  await events.send(new StartReplayCommand({
    ReplayName: 'js-again', EventSourceArn: archive.ArchiveArn, EventStartTime: start,
    EventEndTime: new Date(), Destination: { Arn: EventBusArn, FilterArns: [RuleArn] },
  }));
  assert.ok(await until(async () =>
    (await events.send(new DescribeReplayCommand({ ReplayName: 'js-again' }))).State === 'COMPLETED'));
  // Only the rule's match comes again, through its transformer.
  assert.deepEqual(await receive(big.url, 1), [{ order: 'o-1', total: 250 }]);
});

test('EventBridge errors', async () => {
  await assert.rejects(events.send(new DescribeRuleCommand({ Name: 'nope' })), (e) => {
    assert.ok(e instanceof ResourceNotFoundException);
    assert.equal(e.message, 'Rule nope does not exist on EventBus default.');
    return true;
  });
  await assert.rejects(
    events.send(new PutRuleCommand({ Name: 'bad', EventPattern: '{"source": "app"}' })),
    (e) => e.name === 'InvalidEventPatternException' && e.message.includes('Event pattern is not valid'));
});
