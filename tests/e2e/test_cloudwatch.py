"""CloudWatch metrics end to end: boto3 (current: awsJson 1.0; Debian's:
awsQuery), the AWS CLI, restart persistence and AWS's errors."""

import datetime
import json
import unittest

from harness import ACCOUNT, REGION, Server, ServerTestCase, require_boto3, wait_until
from test_lambda import ROLE, py_zip

HANDLER = """
def handler(event, context):
    if event.get("fail"):
        raise RuntimeError("boom")
    return "ok"
"""


def minute(delta_minutes=0):
    now = datetime.datetime.now(datetime.timezone.utc).replace(second=0, microsecond=0)
    return now + datetime.timedelta(minutes=delta_minutes)


class CloudWatchBoto3Test(ServerTestCase):
    def setUp(self):
        require_boto3()
        self.cw = self.server.boto3_client("cloudwatch")

    def error(self, call, **kwargs):
        with self.assertRaises(self.cw.exceptions.ClientError) as cm:
            call(**kwargs)
        return cm.exception.response["Error"], cm.exception.response["ResponseMetadata"]

    def test_put_list_statistics(self):
        t = minute(-2)
        self.cw.put_metric_data(Namespace="E2E/Stats", MetricData=[
            {"MetricName": "Latency", "Dimensions": [{"Name": "Api", "Value": "orders"}],
             "Timestamp": t, "Value": 10, "Unit": "Milliseconds"},
            {"MetricName": "Latency", "Dimensions": [{"Name": "Api", "Value": "orders"}],
             "Timestamp": t + datetime.timedelta(seconds=30), "Values": [20, 30],
             "Counts": [1, 2], "Unit": "Milliseconds"},
            {"MetricName": "Latency", "Dimensions": [{"Name": "Api", "Value": "orders"}],
             "Timestamp": t + datetime.timedelta(minutes=1), "Unit": "Milliseconds",
             "StatisticValues": {"SampleCount": 4, "Sum": 8, "Minimum": 1, "Maximum": 3}},
        ])
        metrics = self.cw.list_metrics(Namespace="E2E/Stats")["Metrics"]
        self.assertEqual(metrics, [{"Namespace": "E2E/Stats", "MetricName": "Latency",
                                    "Dimensions": [{"Name": "Api", "Value": "orders"}]}])
        self.assertEqual(len(self.cw.list_metrics(
            Dimensions=[{"Name": "Api"}], RecentlyActive="PT3H")["Metrics"]), 1)
        out = self.cw.get_metric_statistics(
            Namespace="E2E/Stats", MetricName="Latency",
            Dimensions=[{"Name": "Api", "Value": "orders"}], StartTime=t,
            EndTime=t + datetime.timedelta(minutes=2), Period=60,
            Statistics=["Sum", "SampleCount", "Average", "Minimum", "Maximum"],
            Unit="Milliseconds")
        self.assertEqual(out["Label"], "Latency")
        dps = sorted(out["Datapoints"], key=lambda d: d["Timestamp"])
        self.assertEqual(len(dps), 2)
        self.assertEqual(dps[0]["Timestamp"], t)
        self.assertEqual((dps[0]["Sum"], dps[0]["SampleCount"], dps[0]["Minimum"],
                          dps[0]["Maximum"], dps[0]["Average"]), (90.0, 4.0, 10.0, 30.0, 22.5))
        self.assertEqual(dps[0]["Unit"], "Milliseconds")
        self.assertEqual(dps[1]["Sum"], 8.0)
        ext = self.cw.get_metric_statistics(
            Namespace="E2E/Stats", MetricName="Latency",
            Dimensions=[{"Name": "Api", "Value": "orders"}], StartTime=t,
            EndTime=t + datetime.timedelta(minutes=1), Period=60, ExtendedStatistics=["p50"])
        self.assertEqual(ext["Datapoints"][0]["ExtendedStatistics"], {"p50": 20.0})

    def test_large_put_is_gzipped_by_current_botocore(self):
        # botocore (since 1.31) gzips PutMetricData bodies from 10 KiB on.
        encodings = []
        self.cw.meta.events.register(
            "before-send.cloudwatch.PutMetricData",
            lambda request, **_: encodings.append(request.headers.get("Content-Encoding")))
        t = minute(-1)
        data = [{"MetricName": f"M{i:03d}", "Dimensions": [{"Name": "Host", "Value": "h" * 40}],
                 "Timestamp": t, "Value": float(i)} for i in range(150)]
        self.cw.put_metric_data(Namespace="E2E/Gzip", MetricData=data)
        try:
            import botocore.compress  # noqa: F401
            self.assertIn(encodings[0], (b"gzip", "gzip"))
        except ImportError:
            self.assertIsNone(encodings[0])
        paginator = self.cw.get_paginator("list_metrics")
        names = {m["MetricName"] for page in paginator.paginate(Namespace="E2E/Gzip")
                 for m in page["Metrics"]}
        self.assertEqual(len(names), 150)

    def test_botocore_over_rpc_v2_cbor(self):
        # botocore picks json before smithy-rpc-v2-cbor; put CBOR first to
        # drive its RPC v2 serializer and parser (botocore >= 1.40 has them).
        import botocore.model
        order = getattr(botocore.model, "PRIORITY_ORDERED_SUPPORTED_PROTOCOLS", None)
        try:
            from botocore.serialize import RpcV2CBORSerializer  # noqa: F401
        except ImportError:
            self.skipTest("this botocore has no smithy-rpc-v2-cbor client")
        botocore.model.PRIORITY_ORDERED_SUPPORTED_PROTOCOLS = ("smithy-rpc-v2-cbor",) + order
        try:
            cw = self.server.boto3_client("cloudwatch")
            self.assertEqual(cw.meta.service_model.resolved_protocol, "smithy-rpc-v2-cbor")
        finally:
            botocore.model.PRIORITY_ORDERED_SUPPORTED_PROTOCOLS = order
        t = minute(-1)
        cw.put_metric_data(Namespace="E2E/Cbor", MetricData=[
            {"MetricName": "M", "Timestamp": t + datetime.timedelta(seconds=1.5), "Value": 2.5}])
        out = cw.get_metric_statistics(Namespace="E2E/Cbor", MetricName="M", StartTime=t,
                                       EndTime=t + datetime.timedelta(minutes=1), Period=60,
                                       Statistics=["Sum"])
        self.assertEqual([(d["Timestamp"], d["Sum"]) for d in out["Datapoints"]], [(t, 2.5)])
        with self.assertRaises(cw.exceptions.ResourceNotFound) as cm:
            cw.set_alarm_state(AlarmName="e2e-none", StateValue="OK", StateReason="x")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 404)

    def test_get_metric_data(self):
        t = minute(-3)
        for i in range(3):
            self.cw.put_metric_data(Namespace="E2E/Data", MetricData=[
                {"MetricName": "Requests", "Timestamp": t + datetime.timedelta(minutes=i),
                 "Value": 10 * (i + 1)},
                {"MetricName": "Errors", "Timestamp": t + datetime.timedelta(minutes=i),
                 "Value": i + 1}])
        queries = [
            {"Id": "r", "MetricStat": {"Metric": {"Namespace": "E2E/Data", "MetricName": "Requests"},
                                       "Period": 60, "Stat": "Sum"}, "ReturnData": False},
            {"Id": "e", "MetricStat": {"Metric": {"Namespace": "E2E/Data", "MetricName": "Errors"},
                                       "Period": 60, "Stat": "Sum"}},
            {"Id": "rate", "Expression": "100 * e / r", "Label": "Error rate"}]
        out = self.cw.get_metric_data(MetricDataQueries=queries, StartTime=t,
                                      EndTime=t + datetime.timedelta(minutes=3),
                                      ScanBy="TimestampAscending")
        results = {r["Id"]: r for r in out["MetricDataResults"]}
        self.assertEqual(set(results), {"e", "rate"})
        self.assertEqual(results["e"]["Values"], [1.0, 2.0, 3.0])
        self.assertEqual(results["e"]["Timestamps"][0], t)
        self.assertEqual(results["e"]["StatusCode"], "Complete")
        self.assertEqual(results["rate"]["Values"], [10.0, 10.0, 10.0])
        self.assertEqual(results["rate"]["Label"], "Error rate")
        # The paginator follows NextToken across MaxDatapoints pages.
        pages = list(self.cw.get_paginator("get_metric_data").paginate(
            MetricDataQueries=queries[:2], StartTime=t,
            EndTime=t + datetime.timedelta(minutes=3), MaxDatapoints=2))
        self.assertEqual(len(pages), 2)
        values = [v for p in pages for r in p["MetricDataResults"] for v in r["Values"]]
        self.assertEqual(values, [3.0, 2.0, 1.0])
        err, _ = self.error(self.cw.get_metric_data, MetricDataQueries=[
            {"Id": "x", "Expression": "SUM(METRICS())"}], StartTime=t, EndTime=minute())
        self.assertEqual(err["Code"], "ValidationError")

    def test_bad_input_gets_aws_errors(self):
        err, meta = self.error(self.cw.put_metric_data, Namespace="AWS/Lambda",
                               MetricData=[{"MetricName": "m", "Value": 1}])
        self.assertEqual(err["Code"], "InvalidParameterValue")
        self.assertEqual(err["Message"], "The value AWS/Lambda for parameter Namespace is invalid.")
        self.assertEqual(meta["HTTPStatusCode"], 400)
        err, _ = self.error(self.cw.put_metric_data, Namespace="E2E/Bad",
                            MetricData=[{"MetricName": "m", "Value": 1, "Values": [1]}])
        self.assertEqual(err["Code"], "InvalidParameterCombination")
        err, _ = self.error(self.cw.put_metric_data, Namespace="E2E/Bad",
                            MetricData=[{"MetricName": "m"}])
        self.assertEqual(err["Code"], "MissingParameter")
        err, _ = self.error(self.cw.put_metric_data, Namespace="E2E/Bad",
                            MetricData=[{"MetricName": "m", "Value": 1, "StorageResolution": 5}])
        self.assertEqual(err["Code"], "InvalidParameterValue")
        self.assertEqual(self.cw.list_metrics(Namespace="E2E/Bad")["Metrics"], [])
        err, _ = self.error(self.cw.get_metric_statistics, Namespace="E2E/Bad", MetricName="m",
                            StartTime=minute(-60 * 48), EndTime=minute(), Period=60,
                            Statistics=["Sum"])
        self.assertEqual(err["Code"], "InvalidParameterCombination")
        self.assertIn("which exceeds the limit of 1,440", err["Message"])
        err, _ = self.error(self.cw.get_metric_statistics, Namespace="E2E/Bad", MetricName="m",
                            StartTime=minute(-10), EndTime=minute(), Period=90,
                            Statistics=["Sum"])
        self.assertEqual(err["Code"], "InvalidParameterValue")

    def test_aws_cli(self):
        t = minute(-1)
        self.server.aws_cli("cloudwatch", "put-metric-data", "--namespace", "E2E/Cli",
                            "--metric-name", "Jobs", "--value", "3", "--unit", "Count",
                            "--timestamp", t.isoformat(), "--dimensions", "Queue=q1")
        _, out, _ = self.server.aws_cli(
            "cloudwatch", "get-metric-statistics", "--namespace", "E2E/Cli",
            "--metric-name", "Jobs", "--dimensions", "Name=Queue,Value=q1",
            "--start-time", t.isoformat(), "--end-time", minute().isoformat(),
            "--period", "60", "--statistics", "Sum")
        dps = json.loads(out)["Datapoints"]
        self.assertEqual([(d["Sum"], d["Unit"]) for d in dps], [(3.0, "Count")])
        _, out, _ = self.server.aws_cli("cloudwatch", "list-metrics", "--namespace", "E2E/Cli")
        self.assertEqual(json.loads(out)["Metrics"][0]["MetricName"], "Jobs")


class LambdaMetricsTest(ServerTestCase):
    """Lambda publishes AWS/Lambda metrics: Invocations, Errors, Duration per
    function (and per alias), IteratorAge per stream mapping."""

    def setUp(self):
        require_boto3()
        self.cw = self.server.boto3_client("cloudwatch")
        self.lam = self.server.boto3_client("lambda")

    def sums(self, metric, dims, stat="Sum"):
        out = self.cw.get_metric_statistics(
            Namespace="AWS/Lambda", MetricName=metric, Dimensions=dims,
            StartTime=minute(-5), EndTime=minute(2), Period=60, Statistics=[stat])
        return sum(d[stat] for d in out["Datapoints"]) if out["Datapoints"] else None

    def test_invocations_errors_duration(self):
        self.lam.create_function(FunctionName="cw-metrics", Runtime="python3.9", Role=ROLE,
                                 Handler="app.handler", Code={"ZipFile": py_zip(HANDLER)})
        version = self.lam.publish_version(FunctionName="cw-metrics")["Version"]
        self.lam.create_alias(FunctionName="cw-metrics", Name="live", FunctionVersion=version)
        for payload in (b"{}", b"{}", b'{"fail": true}'):
            self.lam.invoke(FunctionName="cw-metrics", Payload=payload)
        self.lam.invoke(FunctionName="cw-metrics", Qualifier="live", Payload=b"{}")
        fn = [{"Name": "FunctionName", "Value": "cw-metrics"}]
        self.assertTrue(wait_until(lambda: self.sums("Invocations", fn) == 4.0))
        self.assertEqual(self.sums("Errors", fn), 1.0)
        self.assertGreater(self.sums("Duration", fn, "Maximum"), 0)
        alias = fn + [{"Name": "Resource", "Value": "cw-metrics:live"}]
        self.assertEqual(self.sums("Invocations", alias), 1.0)
        names = {m["MetricName"] for m in self.cw.list_metrics(
            Namespace="AWS/Lambda", Dimensions=[{"Name": "FunctionName", "Value": "cw-metrics"}])
            ["Metrics"]}
        self.assertEqual(names, {"Invocations", "Errors", "Duration"})

    def test_iterator_age_of_a_kinesis_mapping(self):
        kinesis = self.server.boto3_client("kinesis")
        self.lam.create_function(FunctionName="cw-stream", Runtime="python3.9", Role=ROLE,
                                 Handler="app.handler", Code={"ZipFile": py_zip(HANDLER)})
        kinesis.create_stream(StreamName="cw-s", ShardCount=1)
        kinesis.get_waiter("stream_exists").wait(
            StreamName="cw-s", WaiterConfig={"Delay": 1, "MaxAttempts": 10})
        self.lam.create_event_source_mapping(
            EventSourceArn="arn:aws:kinesis:%s:%s:stream/cw-s" % (REGION, ACCOUNT),
            FunctionName="cw-stream", StartingPosition="TRIM_HORIZON", BatchSize=10)
        kinesis.put_record(StreamName="cw-s", Data=b"x", PartitionKey="k")
        fn = [{"Name": "FunctionName", "Value": "cw-stream"}]
        self.assertTrue(wait_until(lambda: self.sums("IteratorAge", fn, "SampleCount")))
        self.assertGreaterEqual(self.sums("IteratorAge", fn, "Maximum"), 0)


class CloudWatchRestartTest(unittest.TestCase):
    def test_points_survive_kill9(self):
        require_boto3()
        server = Server().start()
        try:
            cw = server.boto3_client("cloudwatch")
            t = minute(-1)
            cw.put_metric_data(Namespace="E2E/Restart", MetricData=[
                {"MetricName": "m", "Timestamp": t, "Value": v} for v in (1, 2, 3)])
            server.kill9()
            server.start()
            cw = server.boto3_client("cloudwatch")
            out = cw.get_metric_statistics(Namespace="E2E/Restart", MetricName="m", StartTime=t,
                                           EndTime=minute(), Period=60,
                                           Statistics=["Sum", "SampleCount"])
            self.assertEqual([(d["Sum"], d["SampleCount"]) for d in out["Datapoints"]],
                             [(6.0, 3.0)])
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
