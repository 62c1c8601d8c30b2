// STS AssumeRoleWithWebIdentity through the AWS SDK for JavaScript v3
// (issue 16 item 2): an OpenID issuer served here (discovery and JWKS on an
// ephemeral port, an RSA key from node:crypto), an IAM OIDC provider for it
// and a role trusting it; the SDK's unsigned call gets a session that signs
// as the role, and a token for another audience is refused.
import assert from 'node:assert/strict';
import { createSign, generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import { after, before, test } from 'node:test';
import {
  AssumeRoleWithWebIdentityCommand,
  GetCallerIdentityCommand,
  STSClient,
} from '@aws-sdk/client-sts';
import { account, iamQuery, region, startServer } from './harness.mjs';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const b64url = (data) => Buffer.from(data).toString('base64url');

function token(issuer, claims = {}) {
  const now = Math.floor(Date.now() / 1000);
  const body = { iss: issuer, aud: 'js-app', sub: 'js-user', iat: now, exp: now + 600, ...claims };
  const part = `${b64url(JSON.stringify({ alg: 'RS256', kid: 'k1', typ: 'JWT' }))}.${b64url(JSON.stringify(body))}`;
  const signature = createSign('RSA-SHA256').update(part).sign(privateKey);
  return `${part}.${b64url(signature)}`;
}

const roleArn = `arn:aws:iam::${account}:role/js-web`;
let server;
let idp;
let issuer;
before(async () => {
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig', alg: 'RS256' };
  idp = createServer((req, res) => {
    const body = req.url === '/.well-known/openid-configuration'
      ? { issuer, jwks_uri: `${issuer}/jwks` }
      : req.url === '/jwks' ? { keys: [jwk] } : null;
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
    res.end(body ? JSON.stringify(body) : '');
  });
  await new Promise((ok) => idp.listen(0, '127.0.0.1', ok));
  issuer = `http://127.0.0.1:${idp.address().port}`;
  server = await startServer();
  const xml = await iamQuery(server.endpoint, {
    Action: 'CreateOpenIDConnectProvider',
    Url: issuer,
    'ClientIDList.member.1': 'js-app',
    'ThumbprintList.member.1': '0'.repeat(40),
  });
  const provider = /<OpenIDConnectProviderArn>([^<]+)</.exec(xml)[1];
  await iamQuery(server.endpoint, {
    Action: 'CreateRole',
    RoleName: 'js-web',
    AssumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{
        Effect: 'Allow',
        Principal: { Federated: provider },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { [`${issuer.slice('http://'.length)}:sub`]: 'js-user' } },
      }],
    }),
  });
});
after(async () => {
  await server.stop();
  idp.close();
});

test('AssumeRoleWithWebIdentity is called unsigned and mints a role session', async () => {
  // No credentials: the SDK sends this call unsigned, as it does to AWS.
  const sts = new STSClient({ endpoint: server.endpoint, region, maxAttempts: 1 });
  const out = await sts.send(new AssumeRoleWithWebIdentityCommand({
    RoleArn: roleArn, RoleSessionName: 'js', WebIdentityToken: token(issuer),
  }));
  assert.equal(out.SubjectFromWebIdentityToken, 'js-user');
  assert.equal(out.Audience, 'js-app');
  assert.equal(out.AssumedRoleUser.Arn, `arn:aws:sts::${account}:assumed-role/js-web/js`);
  const c = out.Credentials;
  const as = new STSClient({
    endpoint: server.endpoint, region, maxAttempts: 1,
    credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken },
  });
  const who = await as.send(new GetCallerIdentityCommand({}));
  assert.equal(who.Arn, out.AssumedRoleUser.Arn);

  await assert.rejects(
    sts.send(new AssumeRoleWithWebIdentityCommand({
      RoleArn: roleArn, RoleSessionName: 'js', WebIdentityToken: token(issuer, { aud: 'other' }),
    })),
    (e) => e.name === 'InvalidIdentityTokenException' || e.Code === 'InvalidIdentityToken',
  );
  await assert.rejects(
    sts.send(new AssumeRoleWithWebIdentityCommand({
      RoleArn: roleArn, RoleSessionName: 'js', WebIdentityToken: token(issuer, { sub: 'else' }),
    })),
    (e) => e.$metadata.httpStatusCode === 403,
  );
});
