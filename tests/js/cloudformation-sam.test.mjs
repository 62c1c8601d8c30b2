// The SAM transform through the AWS SDK for JavaScript v3: a SAM template
// (Globals, a SimpleTable, a queue and an inline Python function reading
// the queue) refused without CAPABILITY_AUTO_EXPAND, then created; the
// expanded resources, the Processed template, the function invoked.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  GetTemplateCommand,
  waitUntilStackCreateComplete,
} from '@aws-sdk/client-cloudformation';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { startServer } from './harness.mjs';

let server;
let cfn;
let ddb;
let lambda;
before(async () => {
  server = await startServer();
  cfn = new CloudFormationClient(server.clientConfig);
  ddb = new DynamoDBClient(server.clientConfig);
  lambda = new LambdaClient(server.clientConfig);
});
after(async () => { await server.stop(); });

const SAM = JSON.stringify({
  Transform: 'AWS::Serverless-2016-10-31',
  Globals: { Function: { Runtime: 'python3.9', Timeout: 10 } },
  Resources: {
    Items: { Type: 'AWS::Serverless::SimpleTable', Properties: { PrimaryKey: { Name: 'pk', Type: 'String' } } },
    Queue: { Type: 'AWS::SQS::Queue' },
    Worker: {
      Type: 'AWS::Serverless::Function',
      Properties: {
        Handler: 'index.handler',
        InlineCode: 'import os\ndef handler(event, context):\n    return {"table": os.environ["TABLE"]}\n',
        Environment: { Variables: { TABLE: { Ref: 'Items' } } },
        Events: { Q: { Type: 'SQS', Properties: { Queue: { 'Fn::GetAtt': ['Queue', 'Arn'] } } } },
      },
    },
  },
  Outputs: { Table: { Value: { Ref: 'Items' } }, Fn: { Value: { Ref: 'Worker' } } },
});

test('a SAM template needs CAPABILITY_AUTO_EXPAND, then deploys expanded', async () => {
  await assert.rejects(
    cfn.send(new CreateStackCommand({ StackName: 'sam-js', TemplateBody: SAM, Capabilities: ['CAPABILITY_IAM'] })),
    (e) => e.name === 'InsufficientCapabilitiesException' && /CAPABILITY_AUTO_EXPAND/.test(e.message));

  await cfn.send(new CreateStackCommand({
    StackName: 'sam-js', TemplateBody: SAM, Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_AUTO_EXPAND'],
  }));
  await waitUntilStackCreateComplete({ client: cfn, maxWaitTime: 60, minDelay: 1, maxDelay: 1 },
    { StackName: 'sam-js' });

  const resources = (await cfn.send(new DescribeStackResourcesCommand({ StackName: 'sam-js' }))).StackResources;
  const types = Object.fromEntries(resources.map((r) => [r.LogicalResourceId, r.ResourceType]));
  assert.deepEqual(types, {
    Items: 'AWS::DynamoDB::Table',
    Queue: 'AWS::SQS::Queue',
    Worker: 'AWS::Lambda::Function',
    WorkerRole: 'AWS::IAM::Role',
    WorkerQ: 'AWS::Lambda::EventSourceMapping',
  });
  const stack = (await cfn.send(new DescribeStacksCommand({ StackName: 'sam-js' }))).Stacks[0];
  const outputs = Object.fromEntries(stack.Outputs.map((o) => [o.OutputKey, o.OutputValue]));
  const table = await ddb.send(new DescribeTableCommand({ TableName: outputs.Table }));
  assert.deepEqual(table.Table.KeySchema, [{ AttributeName: 'pk', KeyType: 'HASH' }]);

  const processed = await cfn.send(new GetTemplateCommand({ StackName: 'sam-js', TemplateStage: 'Processed' }));
  const doc = JSON.parse(processed.TemplateBody);
  assert.equal(doc.Transform, undefined);
  assert.equal(doc.Resources.Worker.Type, 'AWS::Lambda::Function');

  const r = await lambda.send(new InvokeCommand({ FunctionName: outputs.Fn, Payload: Buffer.from('{}') }));
  assert.deepEqual(JSON.parse(Buffer.from(r.Payload).toString()), { table: outputs.Table });
});
