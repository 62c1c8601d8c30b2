// Step Functions through the AWS SDK for JavaScript v3 (awsJson 1.0): a
// Standard machine whose Choice routes by input and whose Task sends to SQS
// through the optimized integration, its history, an Express machine run by
// StartSyncExecution, a failing execution, and Step Functions' errors.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
  StartSyncExecutionCommand,
} from '@aws-sdk/client-sfn';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { account, region, startServer } from './harness.mjs';

let server;
let sfn;
let sqs;
before(async () => {
  server = await startServer();
  sfn = new SFNClient(server.clientConfig);
  sqs = new SQSClient(server.clientConfig);
});
after(async () => { await server.stop(); });

const role = `arn:aws:iam::${account}:role/js-sfn`;

async function settled(executionArn) {
  for (let i = 0; i < 100; i++) {
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (d.status !== 'RUNNING') return d;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  throw new Error(`${executionArn} still running`);
}

test('standard execution with a Choice and an SQS task', async () => {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'js-sfn-out' }));
  const definition = {
    StartAt: 'Route',
    States: {
      Route: {
        Type: 'Choice',
        Choices: [{ Variable: '$.n', NumericGreaterThan: 10, Next: 'Big' }],
        Default: 'Small',
      },
      Big: { Type: 'Pass', Result: 'big', ResultPath: '$.size', Next: 'Send' },
      Small: { Type: 'Pass', Result: 'small', ResultPath: '$.size', Next: 'Send' },
      Send: {
        Type: 'Task',
        Resource: 'arn:aws:states:::sqs:sendMessage',
        Parameters: { QueueUrl, 'MessageBody.$': "States.Format('{} is {}', $.n, $.size)" },
        ResultPath: '$.sent',
        End: true,
      },
    },
  };
  const { stateMachineArn } = await sfn.send(new CreateStateMachineCommand({
    name: 'js-route', definition: JSON.stringify(definition), roleArn: role,
  }));
  assert.equal(stateMachineArn, `arn:aws:states:${region}:${account}:stateMachine:js-route`);
  const { executionArn } = await sfn.send(new StartExecutionCommand({
    stateMachineArn, name: 'first', input: JSON.stringify({ n: 42 }),
  }));
  const d = await settled(executionArn);
  assert.equal(d.status, 'SUCCEEDED');
  const output = JSON.parse(d.output);
  assert.equal(output.size, 'big');
  assert.match(output.sent.MessageId, /^[0-9a-f-]{36}$/);
  const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 2 }));
  assert.equal(got.Messages[0].Body, '42 is big');

  const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
  const types = history.events.map((e) => e.type);
  assert.equal(types[0], 'ExecutionStarted');
  assert.ok(types.includes('TaskSucceeded'), types.join(','));
  assert.equal(types.at(-1), 'ExecutionSucceeded');

  // The same name with other input is refused.
  await assert.rejects(sfn.send(new StartExecutionCommand({
    stateMachineArn, name: 'first', input: JSON.stringify({ n: 1 }),
  })), (err) => err.name === 'ExecutionAlreadyExists');
  const list = await sfn.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: 'SUCCEEDED' }));
  assert.deepEqual(list.executions.map((e) => e.name), ['first']);
});

test('express machine run synchronously, and a failure', async () => {
  // StartSyncExecution's host prefix "sync-" does not resolve in front of
  // a local endpoint: the SDK's disableHostPrefix leaves the host alone.
  const sync = new SFNClient({ ...server.clientConfig, disableHostPrefix: true });
  const { stateMachineArn } = await sfn.send(new CreateStateMachineCommand({
    name: 'js-express',
    type: 'EXPRESS',
    roleArn: role,
    definition: JSON.stringify({
      StartAt: 'Check',
      States: {
        Check: { Type: 'Choice', Choices: [{ Variable: '$.ok', BooleanEquals: true, Next: 'Sum' }], Default: 'Fail' },
        Sum: { Type: 'Pass', Parameters: { 'total.$': 'States.MathAdd($.a, $.b)' }, End: true },
        Fail: { Type: 'Fail', Error: 'NotOk', Cause: 'ok was false' },
      },
    }),
  }));
  const ok = await sync.send(new StartSyncExecutionCommand({ stateMachineArn, input: JSON.stringify({ ok: true, a: 2, b: 3 }) }));
  assert.equal(ok.status, 'SUCCEEDED');
  assert.deepEqual(JSON.parse(ok.output), { total: 5 });
  const bad = await sync.send(new StartSyncExecutionCommand({ stateMachineArn, input: JSON.stringify({ ok: false }) }));
  assert.equal(bad.status, 'FAILED');
  assert.equal(bad.error, 'NotOk');
  assert.equal(bad.cause, 'ok was false');
});

test('errors as Step Functions words them', async () => {
  await assert.rejects(sfn.send(new CreateStateMachineCommand({
    name: 'js-bad', roleArn: role, definition: JSON.stringify({ StartAt: 'Nowhere', States: {} }),
  })), (err) => err.name === 'InvalidDefinition' && err.$metadata.httpStatusCode === 400);
  await assert.rejects(sfn.send(new DescribeExecutionCommand({
    executionArn: `arn:aws:states:${region}:${account}:execution:js-route:missing`,
  })), (err) => err.name === 'ExecutionDoesNotExist');
});
