// EventBridge Scheduler through the AWS SDK for JavaScript v3 (restJson): a
// schedule group with tags, a one-time schedule two seconds ahead that
// delivers its templated Input to SQS and deletes itself afterwards, a
// recurring schedule in a time zone, and Scheduler's errors.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  CreateScheduleCommand,
  CreateScheduleGroupCommand,
  DeleteScheduleGroupCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  ListTagsForResourceCommand,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { account, region, startServer } from './harness.mjs';

let server;
let scheduler;
let sqs;
before(async () => {
  server = await startServer();
  scheduler = new SchedulerClient(server.clientConfig);
  sqs = new SQSClient(server.clientConfig);
});
after(async () => { await server.stop(); });

const RoleArn = `arn:aws:iam::${account}:role/js-scheduler`;

function atIn(seconds) {
  const t = new Date(Date.now() + seconds * 1000).toISOString().slice(0, 19);
  return `at(${t})`;
}

test('a one-time schedule delivers to SQS and deletes itself', async () => {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'js-sched' }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  const { ScheduleArn } = await scheduler.send(new CreateScheduleCommand({
    Name: 'js-soon',
    ScheduleExpression: atIn(2),
    FlexibleTimeWindow: { Mode: 'OFF' },
    ActionAfterCompletion: 'DELETE',
    Target: { Arn: Attributes.QueueArn, RoleArn, Input: '{"from": "<aws.scheduler.schedule-arn>"}' },
  }));
  assert.equal(ScheduleArn, `arn:aws:scheduler:${region}:${account}:schedule/default/js-soon`);
  let body;
  for (let i = 0; i < 10 && body === undefined; i++) {
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
    body = got.Messages?.[0]?.Body;
  }
  assert.deepEqual(JSON.parse(body), { from: ScheduleArn });
  let gone = false;
  for (let i = 0; i < 20 && !gone; i++) {
    const { Schedules } = await scheduler.send(new ListSchedulesCommand({ NamePrefix: 'js-soon' }));
    gone = Schedules.length === 0;
    if (!gone) await new Promise((ok) => setTimeout(ok, 100));
  }
  assert.ok(gone, 'ActionAfterCompletion DELETE removes the schedule once it fired');
});

test('groups, a recurring schedule in a time zone, and errors', async () => {
  const { ScheduleGroupArn } = await scheduler.send(new CreateScheduleGroupCommand({
    Name: 'js-ops', Tags: [{ Key: 'team', Value: 'ops' }],
  }));
  assert.equal(ScheduleGroupArn, `arn:aws:scheduler:${region}:${account}:schedule-group/js-ops`);
  const { Tags } = await scheduler.send(new ListTagsForResourceCommand({ ResourceArn: ScheduleGroupArn }));
  assert.deepEqual(Tags, [{ Key: 'team', Value: 'ops' }]);
  const target = { Arn: `arn:aws:sqs:${region}:${account}:js-nowhere`, RoleArn };
  await scheduler.send(new CreateScheduleCommand({
    Name: 'js-nightly', GroupName: 'js-ops', ScheduleExpression: 'cron(0 2 * * ? *)',
    ScheduleExpressionTimezone: 'Asia/Tokyo', FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 10 },
    Target: target,
  }));
  const got = await scheduler.send(new GetScheduleCommand({ Name: 'js-nightly', GroupName: 'js-ops' }));
  assert.equal(got.ScheduleExpressionTimezone, 'Asia/Tokyo');
  assert.deepEqual(got.FlexibleTimeWindow, { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 10 });
  assert.equal(got.State, 'ENABLED');

  await assert.rejects(scheduler.send(new CreateScheduleCommand({
    Name: 'js-nightly', GroupName: 'js-ops', ScheduleExpression: 'rate(1 hour)',
    FlexibleTimeWindow: { Mode: 'OFF' }, Target: target,
  })), (err) => err.name === 'ConflictException' && err.$metadata.httpStatusCode === 409);
  await assert.rejects(scheduler.send(new CreateScheduleCommand({
    Name: 'js-bad', ScheduleExpression: 'rate(1 minutes)', FlexibleTimeWindow: { Mode: 'OFF' }, Target: target,
  })), (err) => err.name === 'ValidationException' && err.message.startsWith('Invalid Schedule Expression rate(1 minutes).'));
  await assert.rejects(scheduler.send(new GetScheduleCommand({ Name: 'js-missing' })),
    (err) => err.name === 'ResourceNotFoundException' && err.message === 'Schedule js-missing does not exist.');

  // Deleting a group deletes its schedules.
  await scheduler.send(new DeleteScheduleGroupCommand({ Name: 'js-ops' }));
  await assert.rejects(scheduler.send(new GetScheduleCommand({ Name: 'js-nightly', GroupName: 'js-ops' })),
    (err) => err.name === 'ResourceNotFoundException');
});
