// SQS → Lambda event source mappings through the AWS SDK for JavaScript v3:
// the API round trip and one delivery (a Python function forwards the event
// it got to a results queue with its own boto3).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import {
  CreateEventSourceMappingCommand,
  CreateFunctionCommand,
  DeleteEventSourceMappingCommand,
  GetEventSourceMappingCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
  ResourceNotFoundException,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import {
  CreateQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { account, credentials, region, startServer } from './harness.mjs';

let server;
let lambda;
let sqs;
before(async () => {
  server = await startServer();
  lambda = new LambdaClient(server.clientConfig);
  sqs = new SQSClient(server.clientConfig);
});
after(async () => { await server.stop(); });

const role = `arn:aws:iam::${account}:role/r`;
const queueArn = (name) => `arn:aws:sqs:${region}:${account}:${name}`;

// Python's zipfile builds the package (no zip library among the test's dependencies).
function pyZip(source) {
  const script = 'import io,sys,zipfile\nb=io.BytesIO()\nz=zipfile.ZipFile(b,"w")\n' +
    'z.writestr("app.py", sys.stdin.read())\nz.close()\nsys.stdout.buffer.write(b.getvalue())';
  return execFileSync('python3', ['-c', script], { input: source });
}

const forwarder = `
import json, os, boto3
def handler(event, context):
    # Functions get no server keys; this one is given the test's own.
    sqs = boto3.client("sqs", endpoint_url=os.environ["RESULTS_ENDPOINT"],
                       aws_access_key_id=os.environ["RESULTS_KEY"],
                       aws_secret_access_key=os.environ["RESULTS_SECRET"])
    url = sqs.get_queue_url(QueueName="js-results")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(event))
`;

test('event source mapping: create, get, list, update, deliver, delete', async () => {
  const { QueueUrl: src } = await sqs.send(new CreateQueueCommand({ QueueName: 'js-src' }));
  const { QueueUrl: results } = await sqs.send(new CreateQueueCommand({ QueueName: 'js-results' }));
  await lambda.send(new CreateFunctionCommand({
    FunctionName: 'js-esm', Runtime: 'python3.9', Role: role, Handler: 'app.handler',
    Timeout: 10, Code: { ZipFile: pyZip(forwarder) },
    Environment: {
      Variables: {
        RESULTS_ENDPOINT: server.endpoint,
        RESULTS_KEY: credentials.accessKeyId,
        RESULTS_SECRET: credentials.secretAccessKey,
      },
    },
  }));
  const c = await lambda.send(new CreateEventSourceMappingCommand({
    EventSourceArn: queueArn('js-src'), FunctionName: 'js-esm', BatchSize: 5, Enabled: false,
  }));
  assert.equal(c.$metadata.httpStatusCode, 202);
  assert.equal(c.State, 'Creating');
  assert.equal(c.BatchSize, 5);
  assert.equal(c.FunctionArn, `arn:aws:lambda:${region}:${account}:function:js-esm`);
  const g = await lambda.send(new GetEventSourceMappingCommand({ UUID: c.UUID }));
  assert.equal(g.State, 'Disabled');
  assert.ok(g.LastModified instanceof Date);
  const l = await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: 'js-esm' }));
  assert.deepEqual(l.EventSourceMappings.map((m) => m.UUID), [c.UUID]);

  const u = await lambda.send(new UpdateEventSourceMappingCommand({ UUID: c.UUID, Enabled: true }));
  assert.equal(u.State, 'Enabling');
  const sent = await sqs.send(new SendMessageCommand({ QueueUrl: src, MessageBody: 'from js' }));
  let event;
  for (let i = 0; i < 30 && !event; i++) {
    const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: results, WaitTimeSeconds: 1 }));
    if (r.Messages?.length) event = JSON.parse(r.Messages[0].Body);
  }
  assert.ok(event, 'the function forwarded its event');
  assert.equal(event.Records.length, 1);
  assert.equal(event.Records[0].messageId, sent.MessageId);
  assert.equal(event.Records[0].body, 'from js');
  assert.equal(event.Records[0].eventSourceARN, queueArn('js-src'));

  const d = await lambda.send(new DeleteEventSourceMappingCommand({ UUID: c.UUID }));
  assert.equal(d.State, 'Deleting');
  await assert.rejects(lambda.send(new GetEventSourceMappingCommand({ UUID: c.UUID })),
    (e) => e instanceof ResourceNotFoundException);
});
