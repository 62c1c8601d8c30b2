// Lambda asynchronous invocation destinations through the AWS SDK for
// JavaScript v3: OnSuccess to another function, whose OnSuccess goes to an
// SQS queue; OnFailure and DeadLetterConfig to queues; a destination that
// does not exist.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import {
  CreateFunctionCommand,
  InvokeCommand,
  LambdaClient,
  PutFunctionEventInvokeConfigCommand,
} from '@aws-sdk/client-lambda';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { account, region, startServer } from './harness.mjs';

let server;
let lambda;
let sqs;
before(async () => {
  server = await startServer('--lambda-retry-delays', '100,100');
  lambda = new LambdaClient(server.clientConfig);
  sqs = new SQSClient(server.clientConfig);
});
after(async () => { await server.stop(); });

const role = `arn:aws:iam::${account}:role/r`;
const queueArn = (name) => `arn:aws:sqs:${region}:${account}:${name}`;
const functionArn = (name) => `arn:aws:lambda:${region}:${account}:function:${name}`;

// Python's zipfile builds the package (no zip library among the test's dependencies).
function pyZip(source) {
  const script = 'import io,sys,zipfile\nb=io.BytesIO()\nz=zipfile.ZipFile(b,"w")\n' +
    'z.writestr("app.py", sys.stdin.read())\nz.close()\nsys.stdout.buffer.write(b.getvalue())';
  return execFileSync('python3', ['-c', script], { input: source });
}

const echo = `
def handler(event, context):
    if isinstance(event, dict) and event.get("fail"):
        raise ValueError("js asked to fail")
    return {"echo": event}
`;

async function createFunction(name, extra = {}) {
  await lambda.send(new CreateFunctionCommand({
    FunctionName: name, Runtime: 'python3.9', Role: role, Handler: 'app.handler',
    Code: { ZipFile: pyZip(echo) }, ...extra,
  }));
}

// The first message on the queue within `seconds` (bounded polling).
async function firstMessage(url, seconds = 30) {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    const r = await sqs.send(new ReceiveMessageCommand({
      QueueUrl: url, WaitTimeSeconds: 1, MessageAttributeNames: ['All'],
    }));
    if (r.Messages?.length) {
      await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: r.Messages[0].ReceiptHandle }));
      return r.Messages[0];
    }
  }
  return undefined;
}

test('OnSuccess to a function, then to a queue', async () => {
  const { QueueUrl: url } = await sqs.send(new CreateQueueCommand({ QueueName: 'js-chain-out' }));
  await createFunction('js-sink');
  await lambda.send(new PutFunctionEventInvokeConfigCommand({
    FunctionName: 'js-sink', DestinationConfig: { OnSuccess: { Destination: queueArn('js-chain-out') } },
  }));
  await createFunction('js-src');
  await lambda.send(new PutFunctionEventInvokeConfigCommand({
    FunctionName: 'js-src', DestinationConfig: { OnSuccess: { Destination: functionArn('js-sink') } },
  }));
  const r = await lambda.send(new InvokeCommand({ FunctionName: 'js-src', InvocationType: 'Event', Payload: '{"js":1}' }));
  assert.equal(r.StatusCode, 202);
  const m = await firstMessage(url);
  assert.ok(m, 'no record reached the queue');
  const outer = JSON.parse(m.Body);
  assert.equal(outer.requestContext.functionArn, `${functionArn('js-sink')}:$LATEST`);
  assert.equal(outer.requestPayload.requestContext.condition, 'Success');
  assert.deepEqual(outer.requestPayload.requestPayload, { js: 1 });
  assert.deepEqual(outer.responsePayload.echo.responsePayload, { echo: { js: 1 } });
});

test('OnFailure and DeadLetterConfig to queues', async () => {
  const { QueueUrl: failed } = await sqs.send(new CreateQueueCommand({ QueueName: 'js-failed' }));
  const { QueueUrl: dlq } = await sqs.send(new CreateQueueCommand({ QueueName: 'js-dlq' }));
  await createFunction('js-fails');
  await lambda.send(new PutFunctionEventInvokeConfigCommand({
    FunctionName: 'js-fails', MaximumRetryAttempts: 1,
    DestinationConfig: { OnFailure: { Destination: queueArn('js-failed') } },
  }));
  await createFunction('js-dlq-fn', { DeadLetterConfig: { TargetArn: queueArn('js-dlq') } });
  await lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'js-dlq-fn', MaximumRetryAttempts: 0 }));
  await lambda.send(new InvokeCommand({ FunctionName: 'js-fails', InvocationType: 'Event', Payload: '{"fail":true}' }));
  await lambda.send(new InvokeCommand({ FunctionName: 'js-dlq-fn', InvocationType: 'Event', Payload: '{"fail":true,"n":2}' }));
  const rec = JSON.parse((await firstMessage(failed)).Body);
  assert.equal(rec.requestContext.condition, 'RetriesExhausted');
  assert.equal(rec.requestContext.approximateInvokeCount, 2);
  assert.equal(rec.responsePayload.errorMessage, 'js asked to fail');
  const d = await firstMessage(dlq);
  assert.deepEqual(JSON.parse(d.Body), { fail: true, n: 2 });
  assert.equal(d.MessageAttributes.ErrorMessage.StringValue, 'js asked to fail');
});

test('a destination that does not exist is refused', async () => {
  await createFunction('js-bad');
  await assert.rejects(lambda.send(new PutFunctionEventInvokeConfigCommand({
    FunctionName: 'js-bad', DestinationConfig: { OnFailure: { Destination: queueArn('js-nope') } },
  })), (err) => {
    assert.equal(err.name, 'InvalidParameterValueException');
    assert.match(err.message, /js-nope/);
    return true;
  });
});
