// CloudWatch over Smithy RPC v2 CBOR: the JS SDK v3's client configured with
// AwsSmithyRpcV2CborProtocol (POST /service/.../operation/..., CBOR bodies,
// tag-1 timestamps in epoch seconds), metrics and alarms, typed exceptions.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricStatisticsCommand,
  InvalidParameterValueException,
  ListMetricsCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  ResourceNotFound,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import { AwsSmithyRpcV2CborProtocol } from '@aws-sdk/core/protocols';
import { startServer } from './harness.mjs';

let server;
let cw;
const sent = [];  // what went on the wire: path and headers of each request

before(async () => {
  server = await startServer();
  cw = new CloudWatchClient({ ...server.clientConfig, protocol: AwsSmithyRpcV2CborProtocol });
  cw.middlewareStack.add((next) => async (args) => {
    sent.push({ path: args.request.path, headers: { ...args.request.headers } });
    const out = await next(args);
    sent.at(-1).response = { ...out.response.headers };
    return out;
  }, { step: 'deserialize', name: 'recordWire' });
});
after(async () => { await server.stop(); });

test('PutMetricData and GetMetricStatistics speak CBOR with second timestamps', async () => {
  // A whole minute well inside the retention, with milliseconds on the put.
  const minute = new Date(Math.floor(Date.now() / 60000) * 60000 - 120000);
  const at = new Date(minute.getTime() + 1234);
  sent.length = 0;
  await cw.send(new PutMetricDataCommand({
    Namespace: 'JS/Cbor',
    MetricData: [
      { MetricName: 'Latency', Dimensions: [{ Name: 'Api', Value: 'a' }], Timestamp: at,
        Values: [1.5, 4], Counts: [2, 1], Unit: 'Milliseconds' },
      { MetricName: 'Latency', Dimensions: [{ Name: 'Api', Value: 'a' }], Timestamp: at,
        StatisticValues: { SampleCount: 2, Sum: 10, Minimum: 2, Maximum: 8 }, Unit: 'Milliseconds' },
    ],
  }));
  assert.equal(sent[0].path, '/service/GraniteServiceVersion20100801/operation/PutMetricData');
  assert.equal(sent[0].headers['smithy-protocol'], 'rpc-v2-cbor');
  assert.equal(sent[0].headers['content-type'], 'application/cbor');
  assert.equal(sent[0].response['smithy-protocol'], 'rpc-v2-cbor');

  const out = await cw.send(new GetMetricStatisticsCommand({
    Namespace: 'JS/Cbor', MetricName: 'Latency', Dimensions: [{ Name: 'Api', Value: 'a' }],
    StartTime: new Date(minute.getTime() - 60000), EndTime: new Date(minute.getTime() + 120000),
    Period: 60, Statistics: ['Sum', 'SampleCount', 'Maximum', 'Minimum'],
  }));
  assert.equal(sent[1].response['content-type'], 'application/cbor');
  assert.equal(out.Label, 'Latency');
  assert.equal(out.Datapoints.length, 1);
  const [p] = out.Datapoints;
  assert.ok(p.Timestamp instanceof Date);
  assert.equal(p.Timestamp.getTime(), minute.getTime());
  assert.equal(p.SampleCount, 5);
  assert.equal(p.Sum, 17);
  assert.equal(p.Maximum, 8);
  assert.equal(p.Minimum, 1.5);
  assert.equal(p.Unit, 'Milliseconds');
});

// The SDK gzips PutMetricData bodies from 10 KiB on. Over RPC v2 CBOR this
// SDK version keeps the uncompressed Content-Length (set when serializing,
// before the compression middleware), so such a request cannot complete
// against any server; the default awsJson 1.0 client is used here.
test('a PutMetricData of 10 KiB and more arrives gzip-compressed and is read', async () => {
  const json = new CloudWatchClient(server.clientConfig);
  const encodings = [];
  json.middlewareStack.add((next) => async (args) => {
    encodings.push(args.request.headers['content-encoding']);
    return next(args);
  }, { step: 'finalizeRequest', name: 'recordEncoding' });
  const at = new Date(Date.now() - 60000);
  const MetricData = Array.from({ length: 150 }, (_, i) => ({
    MetricName: `Gz${String(i).padStart(3, '0')}`, Dimensions: [{ Name: 'Host', Value: 'h'.repeat(40) }],
    Timestamp: at, Value: i,
  }));
  await json.send(new PutMetricDataCommand({ Namespace: 'JS/Gzip', MetricData }));
  assert.equal(encodings[0], 'gzip');
  const names = new Set();
  let NextToken;
  do {
    const page = await cw.send(new ListMetricsCommand({ Namespace: 'JS/Gzip', NextToken }));
    for (const m of page.Metrics) names.add(m.MetricName);
    NextToken = page.NextToken;
  } while (NextToken);
  assert.equal(names.size, 150);
});

test('PutMetricAlarm and DescribeAlarms round-trip an alarm', async () => {
  await cw.send(new PutMetricAlarmCommand({
    AlarmName: 'js-cbor-high', Namespace: 'JS/Cbor', MetricName: 'Latency',
    Dimensions: [{ Name: 'Api', Value: 'a' }], Statistic: 'Average', Period: 60,
    EvaluationPeriods: 2, DatapointsToAlarm: 1, Threshold: 2.5,
    ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching',
    Tags: [{ Key: 'team', Value: 'js' }],
  }));
  const out = await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['js-cbor-high'] }));
  assert.equal(out.MetricAlarms.length, 1);
  const [a] = out.MetricAlarms;
  assert.equal(a.AlarmName, 'js-cbor-high');
  assert.match(a.AlarmArn, /^arn:aws:cloudwatch:us-east-1:000000000000:alarm:js-cbor-high$/);
  assert.equal(a.Threshold, 2.5);
  assert.equal(a.EvaluationPeriods, 2);
  assert.equal(a.ComparisonOperator, 'GreaterThanThreshold');
  assert.deepEqual(a.Dimensions, [{ Name: 'Api', Value: 'a' }]);
  assert.ok(a.AlarmConfigurationUpdatedTimestamp instanceof Date);
  assert.ok(Math.abs(a.AlarmConfigurationUpdatedTimestamp.getTime() - Date.now()) < 60000);
  assert.equal(typeof a.ActionsEnabled, 'boolean');
});

test('errors come back as the typed exceptions', async () => {
  await assert.rejects(
    cw.send(new SetAlarmStateCommand({ AlarmName: 'js-cbor-none', StateValue: 'ALARM', StateReason: 'x' })),
    (err) => {
      assert.ok(err instanceof ResourceNotFound, `${err.name}: ${err.message}`);
      assert.equal(err.$metadata.httpStatusCode, 404);
      assert.match(err.message, /js-cbor-none/);
      return true;
    });
  await assert.rejects(
    cw.send(new GetMetricStatisticsCommand({
      Namespace: 'JS/Cbor', MetricName: 'Latency', StartTime: new Date(Date.now() - 3600000),
      EndTime: new Date(), Period: 7, Statistics: ['Sum'],
    })),
    (err) => {
      assert.ok(err instanceof InvalidParameterValueException, `${err.name}: ${err.message}`);
      assert.equal(err.$metadata.httpStatusCode, 400);
      return true;
    });
});
