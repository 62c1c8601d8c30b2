// STS AssumeRole and GetSessionToken through the AWS SDK for JavaScript v3
// (issue 16 item 2), under the default --iam off: the role is created with
// a signed IAM query (the IAM client is not among the pinned packages).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  AssumeRoleCommand,
  GetCallerIdentityCommand,
  GetSessionTokenCommand,
  STSClient,
} from '@aws-sdk/client-sts';
import { account, iamQuery, startServer } from './harness.mjs';

const roleArn = `arn:aws:iam::${account}:role/js-role`;
let server;
before(async () => {
  server = await startServer();
  await iamQuery(server.endpoint, {
    Action: 'CreateRole',
    RoleName: 'js-role',
    AssumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sts:AssumeRole' }],
    }),
  });
});
after(async () => { await server.stop(); });

test('AssumeRole mints a session that signs as the assumed role', async () => {
  const sts = new STSClient(server.clientConfig);
  const out = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'js-session', DurationSeconds: 900 }));
  const arn = `arn:aws:sts::${account}:assumed-role/js-role/js-session`;
  assert.equal(out.AssumedRoleUser.Arn, arn);
  assert.match(out.AssumedRoleUser.AssumedRoleId, /^AROA[A-Z0-9]+:js-session$/);
  assert.match(out.Credentials.AccessKeyId, /^ASIA/);
  const left = out.Credentials.Expiration.getTime() - Date.now();
  assert.ok(left > 14 * 60_000 && left <= 15 * 60_000 + 5_000, `${left} ms left`);
  const session = new STSClient({
    ...server.clientConfig,
    credentials: {
      accessKeyId: out.Credentials.AccessKeyId,
      secretAccessKey: out.Credentials.SecretAccessKey,
      sessionToken: out.Credentials.SessionToken,
    },
  });
  const ident = await session.send(new GetCallerIdentityCommand({}));
  assert.equal(ident.Arn, arn);
  assert.equal(ident.UserId, out.AssumedRoleUser.AssumedRoleId);
});

test('DurationSeconds out of bounds is ValidationError with AWS message', async () => {
  const sts = new STSClient(server.clientConfig);
  await assert.rejects(
    sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'js-session', DurationSeconds: 100 })),
    (err) => {
      assert.equal(err.name, 'ValidationError');
      assert.equal(err.$metadata.httpStatusCode, 400);
      assert.equal(err.message, "1 validation error detected: Value '100' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900");
      return true;
    });
});

test('GetSessionToken gives the root an hour-long session', async () => {
  const sts = new STSClient(server.clientConfig);
  const out = await sts.send(new GetSessionTokenCommand({ DurationSeconds: 7200 }));
  assert.match(out.Credentials.AccessKeyId, /^ASIA/);
  assert.ok(out.Credentials.Expiration.getTime() - Date.now() <= 3600_000 + 5_000);
});
