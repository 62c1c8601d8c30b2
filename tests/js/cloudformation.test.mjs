// CloudFormation through the AWS SDK for JavaScript v3 (awsQuery): a stack
// of a queue and a table created, its events, resources and outputs, an
// update that replaces the queue, a delete; a change set; and the errors of
// a bad template.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  UpdateStackCommand,
  waitUntilChangeSetCreateComplete,
  waitUntilStackCreateComplete,
  waitUntilStackDeleteComplete,
  waitUntilStackUpdateComplete,
} from '@aws-sdk/client-cloudformation';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startServer } from './harness.mjs';

let server;
let cfn;
let sqs;
let ddb;
before(async () => {
  server = await startServer();
  cfn = new CloudFormationClient(server.clientConfig);
  sqs = new SQSClient(server.clientConfig);
  ddb = new DynamoDBClient(server.clientConfig);
});
after(async () => { await server.stop(); });

const wait = { maxWaitTime: 30, minDelay: 1, maxDelay: 1 };

function template(queueName) {
  return JSON.stringify({
    Parameters: { Visibility: { Type: 'Number', Default: 30 } },
    Resources: {
      Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: queueName, VisibilityTimeout: { Ref: 'Visibility' } } },
      Table: {
        Type: 'AWS::DynamoDB::Table',
        Properties: {
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        },
      },
    },
    Outputs: {
      QueueUrl: { Value: { Ref: 'Queue' } },
      TableArn: { Value: { 'Fn::GetAtt': ['Table', 'Arn'] } },
    },
  });
}

async function outputs(StackName) {
  const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName }));
  return Object.fromEntries((Stacks[0].Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
}

test('create, update with a replacement, delete', async () => {
  await cfn.send(new CreateStackCommand({
    StackName: 'js-app', TemplateBody: template('js-first'),
    Parameters: [{ ParameterKey: 'Visibility', ParameterValue: '45' }],
  }));
  await waitUntilStackCreateComplete({ client: cfn, ...wait }, { StackName: 'js-app' });
  const out = await outputs('js-app');
  assert.match(out.QueueUrl, /\/000000000000\/js-first$/);
  const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: out.QueueUrl, AttributeNames: ['VisibilityTimeout'] }));
  assert.equal(attrs.Attributes.VisibilityTimeout, '45');
  const table = out.TableArn.split('/').at(-1);
  assert.equal((await ddb.send(new DescribeTableCommand({ TableName: table }))).Table.TableStatus, 'ACTIVE');
  const { StackResources } = await cfn.send(new DescribeStackResourcesCommand({ StackName: 'js-app' }));
  assert.deepEqual(StackResources.map((r) => r.LogicalResourceId).sort(), ['Queue', 'Table']);
  const { StackEvents } = await cfn.send(new DescribeStackEventsCommand({ StackName: 'js-app' }));
  assert.equal(StackEvents[0].ResourceStatus, 'CREATE_COMPLETE');
  assert.equal(StackEvents[0].LogicalResourceId, 'js-app');

  // A new QueueName replaces the queue: the old one is gone afterwards.
  await cfn.send(new UpdateStackCommand({
    StackName: 'js-app', TemplateBody: template('js-second'),
    Parameters: [{ ParameterKey: 'Visibility', UsePreviousValue: true }],
  }));
  await waitUntilStackUpdateComplete({ client: cfn, ...wait }, { StackName: 'js-app' });
  const queues = (await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'js-' }))).QueueUrls ?? [];
  assert.deepEqual(queues.map((u) => u.split('/').at(-1)), ['js-second']);

  await cfn.send(new DeleteStackCommand({ StackName: 'js-app' }));
  await waitUntilStackDeleteComplete({ client: cfn, ...wait }, { StackName: 'js-app' });
  assert.equal(((await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'js-' }))).QueueUrls ?? []).length, 0);
});

test('a change set creates the stack', async () => {
  await cfn.send(new CreateChangeSetCommand({
    StackName: 'js-cs', ChangeSetName: 'first', ChangeSetType: 'CREATE', TemplateBody: template('js-cs-queue'),
  }));
  await waitUntilChangeSetCreateComplete({ client: cfn, ...wait }, { StackName: 'js-cs', ChangeSetName: 'first' });
  const cs = await cfn.send(new DescribeChangeSetCommand({ StackName: 'js-cs', ChangeSetName: 'first' }));
  assert.deepEqual(cs.Changes.map((c) => `${c.ResourceChange.Action} ${c.ResourceChange.LogicalResourceId}`).sort(),
    ['Add Queue', 'Add Table']);
  await cfn.send(new ExecuteChangeSetCommand({ StackName: 'js-cs', ChangeSetName: 'first' }));
  await waitUntilStackCreateComplete({ client: cfn, ...wait }, { StackName: 'js-cs' });
  assert.match((await outputs('js-cs')).QueueUrl, /js-cs-queue$/);
});

test('bad templates get CloudFormation\'s errors and create nothing', async () => {
  await assert.rejects(cfn.send(new CreateStackCommand({
    StackName: 'js-bad', TemplateBody: JSON.stringify({ Resources: { A: { Type: 'AWS::Nope::Thing' } } }),
  })), (err) => err.name === 'ValidationError'
    && err.message === 'Template format error: Unrecognized resource types: [AWS::Nope::Thing]');
  await assert.rejects(cfn.send(new DescribeStacksCommand({ StackName: 'js-bad' })),
    (err) => err.name === 'ValidationError' && err.message === 'Stack with id js-bad does not exist');
});
