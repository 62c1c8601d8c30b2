"""A Kinesis → Lambda mapping killed with SIGKILL mid-stream (boto3, current
and Debian's): producers keep putting while the function works through the
stream, the server dies, a new one starts on the same data dir. Checked from
what the function recorded (one DynamoDB item per invocation, written before
it returns, so before the checkpoint moves): every acknowledged record is
seen, each shard's records in put order, and at most one batch per shard is
seen twice (the one in flight at the kill)."""

import time
import unittest

from harness import ACCOUNT, REGION, Server, kill9_under_load, require_boto3, wait_until
from test_lambda import ROLE, py_zip

# One item per invocation: the shard, when, and the sequence numbers of the
# batch in order. Written with the function's own SDK client (AWS_ENDPOINT_URL
# brings it back to nimbus).
RECORDER = """
import boto3, time
ddb = boto3.client("dynamodb")
def handler(event, context):
    recs = event["Records"]
    shard = recs[0]["eventID"].split(":")[0]
    ddb.put_item(TableName="seen", Item={
        "shard": {"S": shard}, "at": {"N": str(time.time_ns())},
        "seqs": {"L": [{"S": r["kinesis"]["sequenceNumber"]} for r in recs]}})
"""

BATCH = 10
PUTS = 40  # PutRecords calls (of 5 records) per shard, 20 batches each


class StreamEsmKillTest(unittest.TestCase):
    def setUp(self):
        require_boto3()
        self.server = Server().start()

    def tearDown(self):
        self.server.cleanup()

    def clients(self):
        return self.server.boto3_client("kinesis"), self.server.boto3_client("dynamodb")

    def invocations(self, ddb):
        items, kwargs = [], {"TableName": "seen"}
        while True:
            page = ddb.scan(**kwargs)
            items.extend(page["Items"])
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def test_kill9_mid_stream_loses_nothing_and_repeats_at_most_a_batch(self):
        kinesis, ddb = self.clients()
        lam = self.server.boto3_client("lambda")
        ddb.create_table(TableName="seen", BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": "shard", "AttributeType": "S"},
                                               {"AttributeName": "at", "AttributeType": "N"}],
                         KeySchema=[{"AttributeName": "shard", "KeyType": "HASH"},
                                    {"AttributeName": "at", "KeyType": "RANGE"}])
        kinesis.create_stream(StreamName="crash-s", ShardCount=2)
        lam.create_function(FunctionName="crash", Runtime="python3.9", Role=ROLE,
                            Handler="app.handler", Code={"ZipFile": py_zip(RECORDER)},
                            Timeout=30)
        lam.create_event_source_mapping(
            EventSourceArn="arn:aws:kinesis:%s:%s:stream/crash-s" % (REGION, ACCOUNT),
            FunctionName="crash", StartingPosition="TRIM_HORIZON", BatchSize=BATCH)

        acked = {}  # shard -> sequence numbers acknowledged, in put order

        def producer(key):
            def put(i):
                if i >= PUTS:  # enough backlog: wait for the kill
                    time.sleep(0.05)
                    return
                r = kinesis.put_records(StreamName="crash-s", Records=[
                    {"PartitionKey": key, "Data": b"%d" % (i * 5 + j)} for j in range(5)])
                for rec in r["Records"]:
                    if "SequenceNumber" in rec:
                        acked.setdefault(rec["ShardId"], []).append(rec["SequenceNumber"])
            return put

        # "a" hashes to the lower half of the key space, "b" to the upper.
        kill9_under_load(self.server, [producer("a"), producer("b")], seconds=15.0,
                         enough=lambda: len(self.invocations(ddb)) >= 6)
        self.assertGreaterEqual(sum(len(v) for v in acked.values()), 1)
        self.server.start()
        kinesis, ddb = self.clients()
        total = sum(len(v) for v in acked.values())

        def seen():
            by_shard = {}
            for item in sorted(self.invocations(ddb), key=lambda i: int(i["at"]["N"])):
                by_shard.setdefault(item["shard"]["S"], []).append(
                    [s["S"] for s in item["seqs"]["L"]])
            return by_shard

        def complete():
            got = seen()
            return all(set(acked[s]) <= {q for b in got.get(s, []) for q in b} for s in acked)

        self.assertTrue(wait_until(complete, timeout=60),
                        "acknowledged %d, seen %r" % (total, seen()))
        for shard, batches in seen().items():
            flat = [q for b in batches for q in b]
            # In put order, but for one rewind to the start of the batch in
            # flight at the kill.
            rewinds = [i for i in range(1, len(flat)) if int(flat[i]) <= int(flat[i - 1])]
            self.assertLessEqual(len(rewinds), 1, shard)
            repeated = len(flat) - len(set(flat))
            self.assertLessEqual(repeated, BATCH, shard)
            if rewinds:
                # The batch after the restart starts where the one in flight
                # at the kill started: that batch, and only it, ran twice.
                k = next(n for n in range(len(batches))
                         if sum(len(b) for b in batches[:n]) == rewinds[0])
                self.assertEqual(batches[k][0], batches[k - 1][0], shard)
                self.assertEqual(repeated, len(batches[k - 1]), shard)
            if shard in acked:
                self.assertEqual([q for q in dict.fromkeys(flat) if q in set(acked[shard])],
                                 acked[shard], shard)


if __name__ == "__main__":
    unittest.main()
