// Lambda through the AWS SDK for JavaScript v3 (@aws-sdk/client-lambda).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { crc32 } from 'node:zlib';
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  InvokeCommand,
  LambdaClient,
  ListFunctionsCommand,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import { account, startServer } from './harness.mjs';

let server;
let lambda;
before(async () => {
  server = await startServer();
  lambda = new LambdaClient(server.clientConfig);
});
after(async () => { await server.stop(); });

// A .zip with stored (uncompressed) entries: enough for a function package.
function zip(files) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const [name, { data, mode = 0o644 }] of Object.entries(files)) {
    const body = Buffer.from(data);
    const nameBuf = Buffer.from(name);
    const crc = crc32(body);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(body.length, 22);
    local.writeUInt16LE(nameBuf.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4);  // made by Unix
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(body.length, 24);
    central.writeUInt16LE(nameBuf.length, 28);
    central.writeUInt32LE(((0o100000 | mode) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBuf, body);
    centrals.push(central, nameBuf);
    offset += 30 + nameBuf.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

const role = `arn:aws:iam::${account}:role/r`;
const nodeCode = zip({
  'index.js': {
    data: `exports.handler = async (event, context) => {
  if (event.fail) throw new Error('js failure');
  return { got: event, name: context.functionName };
};`,
  },
});
const decode = (p) => JSON.parse(Buffer.from(p).toString());

test('create, wait until active, invoke, list, delete', async () => {
  const c = await lambda.send(new CreateFunctionCommand({
    FunctionName: 'js-fn', Runtime: 'nodejs18.x', Role: role, Handler: 'index.handler',
    Code: { ZipFile: nodeCode },
  }));
  assert.equal(c.State, 'Pending');
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 1 }, { FunctionName: 'js-fn' });
  const g = await lambda.send(new GetFunctionCommand({ FunctionName: 'js-fn' }));
  assert.equal(g.Configuration.State, 'Active');
  const r = await lambda.send(new InvokeCommand({ FunctionName: 'js-fn', Payload: JSON.stringify({ a: 1 }), LogType: 'Tail' }));
  assert.equal(r.StatusCode, 200);
  assert.deepEqual(decode(r.Payload), { got: { a: 1 }, name: 'js-fn' });
  assert.match(Buffer.from(r.LogResult, 'base64').toString(), /REPORT RequestId:/);
  const e = await lambda.send(new InvokeCommand({ FunctionName: 'js-fn', Payload: JSON.stringify({ fail: true }) }));
  assert.equal(e.FunctionError, 'Unhandled');
  assert.equal(decode(e.Payload).errorMessage, 'js failure');
  const list = await lambda.send(new ListFunctionsCommand({}));
  assert.ok(list.Functions.some((f) => f.FunctionName === 'js-fn'));
  const del = await lambda.send(new DeleteFunctionCommand({ FunctionName: 'js-fn' }));
  assert.equal(del.$metadata.httpStatusCode, 204);
  await assert.rejects(lambda.send(new GetFunctionCommand({ FunctionName: 'js-fn' })), (err) => {
    assert.equal(err.name, 'ResourceNotFoundException');
    return true;
  });
});

test('async, dry run, alias, throttling', async () => {
  await lambda.send(new CreateFunctionCommand({
    FunctionName: 'js-more', Runtime: 'nodejs18.x', Role: role, Handler: 'index.handler',
    Code: { ZipFile: nodeCode },
  }));
  const ev = await lambda.send(new InvokeCommand({ FunctionName: 'js-more', InvocationType: 'Event', Payload: '{}' }));
  assert.equal(ev.StatusCode, 202);
  const dry = await lambda.send(new InvokeCommand({ FunctionName: 'js-more', InvocationType: 'DryRun' }));
  assert.equal(dry.StatusCode, 204);
  const v = await lambda.send(new PublishVersionCommand({ FunctionName: 'js-more' }));
  await lambda.send(new CreateAliasCommand({ FunctionName: 'js-more', Name: 'prod', FunctionVersion: v.Version }));
  const viaAlias = await lambda.send(new InvokeCommand({ FunctionName: 'js-more', Qualifier: 'prod', Payload: '{"x":1}' }));
  assert.equal(viaAlias.ExecutedVersion, '1');
  await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'js-more', ReservedConcurrentExecutions: 0 }));
  await assert.rejects(lambda.send(new InvokeCommand({ FunctionName: 'js-more', Payload: '{}' })), (err) => {
    assert.equal(err.name, 'TooManyRequestsException');
    assert.equal(err.$metadata.httpStatusCode, 429);
    assert.equal(err.Reason, 'ReservedFunctionConcurrentInvocationLimitExceeded');
    assert.equal(err.Type, 'User');
    assert.equal(err.message, 'Rate Exceeded.');
    return true;
  });
});
