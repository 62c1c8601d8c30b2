// IAM through the AWS SDK for JavaScript v3 (issue 16 items 1, 3 and 8)
// against a server with --iam enforce: users and access keys that sign at
// once and are refused once inactive or deleted, managed policies with
// versions, malformed documents refused with IAM's error and nothing
// changed, AWS managed policies, and a user's policy deciding its IAM calls.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  IAMClient,
  ListPoliciesCommand,
  ListPolicyVersionsCommand,
  ListUsersCommand,
  PutUserPolicyCommand,
  SetDefaultPolicyVersionCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { account, startServer } from './harness.mjs';

let server;
let iam;
before(async () => {
  server = await startServer('--iam', 'enforce');
  iam = new IAMClient(server.clientConfig);
});
after(async () => { await server.stop(); });

const doc = (action, resource = '*') => JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: action, Resource: resource }],
});

async function userWithKey(name) {
  await iam.send(new CreateUserCommand({ UserName: name }));
  const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: name }));
  return AccessKey;
}

function as(Client, key) {
  return new Client({
    ...server.clientConfig,
    credentials: { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey },
  });
}

async function rejectsWith(promise, name, status) {
  await assert.rejects(promise, (err) => {
    assert.equal(err.name, name, err.message);
    assert.equal(err.$metadata.httpStatusCode, status);
    return true;
  });
}

test('a new access key signs at once and is refused once inactive or deleted', async () => {
  const key = await userWithKey('js-signer');
  assert.match(key.AccessKeyId, /^AKIA/);
  const sts = as(STSClient, key);
  const ident = await sts.send(new GetCallerIdentityCommand({}));
  assert.equal(ident.Arn, `arn:aws:iam::${account}:user/js-signer`);
  await iam.send(new UpdateAccessKeyCommand({ UserName: 'js-signer', AccessKeyId: key.AccessKeyId, Status: 'Inactive' }));
  await rejectsWith(sts.send(new GetCallerIdentityCommand({})), 'InvalidClientTokenId', 403);
  await iam.send(new UpdateAccessKeyCommand({ UserName: 'js-signer', AccessKeyId: key.AccessKeyId, Status: 'Active' }));
  assert.equal((await sts.send(new GetCallerIdentityCommand({}))).Account, account);
  await iam.send(new DeleteAccessKeyCommand({ UserName: 'js-signer', AccessKeyId: key.AccessKeyId }));
  await rejectsWith(sts.send(new GetCallerIdentityCommand({})), 'InvalidClientTokenId', 403);
});

test('managed policies keep versions and refuse malformed documents', async () => {
  const { Policy } = await iam.send(new CreatePolicyCommand({ PolicyName: 'js-policy', PolicyDocument: doc('sqs:ListQueues') }));
  assert.equal(Policy.Arn, `arn:aws:iam::${account}:policy/js-policy`);
  assert.equal(Policy.DefaultVersionId, 'v1');
  await rejectsWith(
    iam.send(new CreatePolicyVersionCommand({ PolicyArn: Policy.Arn, PolicyDocument: '{"Version":"2012-10-17"}' })),
    'MalformedPolicyDocumentException', 400);
  const v2 = await iam.send(new CreatePolicyVersionCommand({ PolicyArn: Policy.Arn, PolicyDocument: doc('sqs:*') }));
  assert.equal(v2.PolicyVersion.VersionId, 'v2');
  assert.equal(v2.PolicyVersion.IsDefaultVersion, false);
  await iam.send(new SetDefaultPolicyVersionCommand({ PolicyArn: Policy.Arn, VersionId: 'v2' }));
  const got = await iam.send(new GetPolicyCommand({ PolicyArn: Policy.Arn }));
  assert.equal(got.Policy.DefaultVersionId, 'v2');
  const versions = await iam.send(new ListPolicyVersionsCommand({ PolicyArn: Policy.Arn }));
  assert.deepEqual(versions.Versions.map((v) => [v.VersionId, v.IsDefaultVersion]).sort(),
    [['v1', false], ['v2', true]]);
  const v = await iam.send(new GetPolicyVersionCommand({ PolicyArn: Policy.Arn, VersionId: 'v2' }));
  assert.deepEqual(JSON.parse(decodeURIComponent(v.PolicyVersion.Document)).Statement[0].Action, 'sqs:*');
});

test('AWS managed policies that templates attach exist', async () => {
  const arn = 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole';
  const { Policy } = await iam.send(new GetPolicyCommand({ PolicyArn: arn }));
  assert.equal(Policy.PolicyName, 'AWSLambdaBasicExecutionRole');
  const listed = await iam.send(new ListPoliciesCommand({ Scope: 'AWS', MaxItems: 1000 }));
  const names = listed.Policies.map((p) => p.PolicyName);
  for (const name of ['AmazonSQSFullAccess', 'AmazonDynamoDBFullAccess', 'AmazonS3ReadOnlyAccess']) {
    assert.ok(names.includes(name), `${name} missing`);
  }
});

test("a user's policies decide its IAM calls, with AWS's AccessDenied message", async () => {
  const key = await userWithKey('js-reader');
  await iam.send(new PutUserPolicyCommand({ UserName: 'js-reader', PolicyName: 'list', PolicyDocument: doc('iam:ListUsers') }));
  const reader = as(IAMClient, key);
  const users = await reader.send(new ListUsersCommand({}));
  assert.ok(users.Users.some((u) => u.UserName === 'js-reader'));
  await assert.rejects(reader.send(new CreateUserCommand({ UserName: 'js-mallory' })), (err) => {
    assert.equal(err.name, 'AccessDenied');
    assert.equal(err.$metadata.httpStatusCode, 403);
    assert.equal(err.message, `User: arn:aws:iam::${account}:user/js-reader is not authorized to perform: ` +
      `iam:CreateUser on resource: arn:aws:iam::${account}:user/js-mallory because no identity-based ` +
      'policy allows the iam:CreateUser action');
    return true;
  });
  await iam.send(new AttachUserPolicyCommand({ UserName: 'js-reader', PolicyArn: 'arn:aws:iam::aws:policy/IAMFullAccess' }));
  await reader.send(new CreateUserCommand({ UserName: 'js-mallory' }));
});
