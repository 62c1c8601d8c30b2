import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { account, startServer } from './harness.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server.stop(); });

test('GetCallerIdentity returns the configured account', async () => {
  const sts = new STSClient(server.clientConfig);
  const out = await sts.send(new GetCallerIdentityCommand({}));
  assert.equal(out.Account, account);
  assert.equal(out.Arn, `arn:aws:iam::${account}:root`);
  assert.equal(out.UserId, account);
  assert.match(out.$metadata.requestId, /^[0-9a-f-]{36}$/);
});

test('a wrong secret is SignatureDoesNotMatch with status 403', async () => {
  const sts = new STSClient({
    ...server.clientConfig,
    credentials: { accessKeyId: 'test', secretAccessKey: 'wrong' },
  });
  await assert.rejects(sts.send(new GetCallerIdentityCommand({})), (err) => {
    assert.equal(err.name, 'SignatureDoesNotMatch');
    assert.equal(err.$metadata.httpStatusCode, 403);
    return true;
  });
});
