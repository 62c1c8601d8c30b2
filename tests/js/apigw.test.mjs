// API Gateway HTTP APIs through the AWS SDK for JavaScript v3 (restJson):
// quick create in front of a Node function, routes and stages, and the
// data plane through Node's fetch, including a browser-style CORS preflight.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import {
  ApiGatewayV2Client,
  CreateApiCommand,
  CreateIntegrationCommand,
  CreateRouteCommand,
  CreateStageCommand,
  GetApiCommand,
  GetRoutesCommand,
} from '@aws-sdk/client-apigatewayv2';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { account, startServer } from './harness.mjs';

let server;
let gw;
let fnArn;

// The handler source as a one-file zip (python's zipfile, as esm.test.mjs).
function zipOf(name, source) {
  const script = `import io, sys, zipfile
b = io.BytesIO()
with zipfile.ZipFile(b, "w") as z:
    z.writestr("${name}", sys.stdin.read())
sys.stdout.buffer.write(b.getvalue())`;
  return execFileSync('python3', ['-c', script], { input: source });
}

before(async () => {
  server = await startServer();
  gw = new ApiGatewayV2Client(server.clientConfig);
  const lambda = new LambdaClient(server.clientConfig);
  const code = `exports.handler = async (event, context) => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  cookies: ['session=1'],
  body: JSON.stringify({ routeKey: event.routeKey, path: event.rawPath,
                         params: event.pathParameters || null, id: context.awsRequestId }),
});`;
  const c = await lambda.send(new CreateFunctionCommand({
    FunctionName: 'js-apigw', Runtime: 'nodejs18.x', Role: `arn:aws:iam::${account}:role/r`,
    Handler: 'index.handler', Code: { ZipFile: zipOf('index.js', code) },
  }));
  fnArn = c.FunctionArn;
});
after(async () => { await server.stop(); });

const url = (apiId, path) => `${server.endpoint}/_aws/execute-api/${apiId}${path}`;

test('quick create answers through fetch', async () => {
  const api = await gw.send(new CreateApiCommand({ Name: 'js-quick', ProtocolType: 'HTTP', Target: fnArn }));
  const got = await gw.send(new GetApiCommand({ ApiId: api.ApiId }));
  assert.equal(got.Name, 'js-quick');
  assert.ok(got.CreatedDate instanceof Date);
  const r = await fetch(url(api.ApiId, '/any/path'));
  assert.equal(r.status, 200);
  const body = await r.json();
  assert.deepEqual([body.routeKey, body.path], ['$default', '/any/path']);
  assert.equal(body.id, r.headers.get('apigw-requestid'));
  assert.equal(r.headers.get('set-cookie'), 'session=1');
});

test('routes, a named stage and CORS', async () => {
  const api = await gw.send(new CreateApiCommand({
    Name: 'js-routes', ProtocolType: 'HTTP',
    CorsConfiguration: { AllowOrigins: ['https://app.example'], AllowMethods: ['GET', 'PUT'], MaxAge: 60 },
  }));
  const integ = await gw.send(new CreateIntegrationCommand({
    ApiId: api.ApiId, IntegrationType: 'AWS_PROXY', IntegrationUri: fnArn, PayloadFormatVersion: '2.0',
  }));
  await gw.send(new CreateRouteCommand({ ApiId: api.ApiId, RouteKey: 'GET /items/{id}', Target: `integrations/${integ.IntegrationId}` }));
  await gw.send(new CreateStageCommand({ ApiId: api.ApiId, StageName: 'live', AutoDeploy: true }));
  const routes = await gw.send(new GetRoutesCommand({ ApiId: api.ApiId }));
  assert.deepEqual(routes.Items.map((x) => x.RouteKey), ['GET /items/{id}']);

  const r = await fetch(url(api.ApiId, '/live/items/9'), { headers: { Origin: 'https://app.example' } });
  assert.equal(r.status, 200);
  assert.deepEqual((await r.json()).params, { id: '9' });
  assert.equal(r.headers.get('access-control-allow-origin'), 'https://app.example');

  const pre = await fetch(url(api.ApiId, '/live/items/9'), {
    method: 'OPTIONS',
    headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'PUT' },
  });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get('access-control-allow-methods'), 'GET,PUT');
  assert.equal(pre.headers.get('access-control-max-age'), '60');

  const missing = await fetch(url(api.ApiId, '/live/other'));
  assert.equal(missing.status, 404);
  assert.deepEqual(await missing.json(), { message: 'Not Found' });
  await assert.rejects(gw.send(new CreateRouteCommand({ ApiId: api.ApiId, RouteKey: 'BAD' })), (err) => {
    assert.equal(err.name, 'BadRequestException');
    return true;
  });
});
