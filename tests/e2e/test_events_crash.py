"""EventBridge under kill -9: every event whose PutEvents entry was answered
without an error reaches the rule's SQS queue after a restart on the same
data directory, and a replay cut by kill -9 goes on after the restart and
sends every archived event of its window (at least once: duplicates are
counted and printed, not failed)."""

import collections
import datetime
import json
import shutil
import sys
import tempfile
import threading
import time
import unittest

from harness import Server, kill9_under_load, require_boto3, wait_until

BUS = "crash-bus"
RULE = "all-orders"


def client(server, service):
    from botocore.config import Config
    return server.boto3_client(service, config=Config(retries={"max_attempts": 1},
                                                      max_pool_connections=16))


def drain(sqs, queue):
    """Every message of `queue` (left in flight): a Counter of event id and
    replay name (None for a first delivery)."""
    url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    seen = collections.Counter()
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                  VisibilityTimeout=600).get("Messages", [])
        if not got:
            return seen
        for m in got:
            body = json.loads(m["Body"])
            seen[(body["id"], body.get("replay-name"))] += 1


def queue_depth(sqs, queue):
    url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]) + int(
        attrs["ApproximateNumberOfMessagesNotVisible"])


def report(what, seen, expected):
    doubles = sum(n - 1 for key, n in seen.items() if key in expected and n > 1)
    print("\n%s: %d expected, %d delivered, %d duplicates" %
          (what, len(expected), sum(seen[k] for k in expected), doubles), file=sys.stderr)


class EventsCrashTest(unittest.TestCase):
    def setUp(self):
        require_boto3()
        self.data_dir = tempfile.mkdtemp(prefix="nimbus-events-crash-")
        self.server = None

    def tearDown(self):
        if self.server is not None:
            self.server.cleanup()
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def restart(self):
        self.server = Server(data_dir=self.data_dir).start()
        return self.server

    def test_accepted_events_and_a_cut_replay_survive_kill_9(self):
        server = self.restart()
        sqs, events = client(server, "sqs"), client(server, "events")
        url = sqs.create_queue(QueueName="crash-events")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]
        bus = events.create_event_bus(Name=BUS)["EventBusArn"]
        archive = events.create_archive(ArchiveName="crash-archive", EventSourceArn=bus)[
            "ArchiveArn"]
        events.put_rule(Name=RULE, EventBusName=BUS,
                        EventPattern=json.dumps({"source": ["shop"]}))
        events.put_targets(Rule=RULE, EventBusName=BUS, Targets=[{"Id": "q", "Arn": arn}])
        started = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=2)

        # 1. PutEvents at a steady rate from a few writers, killed mid-way.
        acked, lock = set(), threading.Lock()

        def writer(n):
            c = client(server, "events")

            def put(i):
                out = c.put_events(Entries=[
                    {"Source": "shop", "DetailType": "order", "EventBusName": BUS,
                     "Detail": json.dumps({"writer": n, "call": i, "k": k})}
                    for k in range(1 + i % 10)])
                with lock:
                    acked.update(e["EventId"] for e in out["Entries"] if "EventId" in e)
            return put

        kill9_under_load(server, [writer(n) for n in range(4)], seconds=1.0)
        self.assertGreater(len(acked), 100)

        server = self.restart()
        sqs, events = client(server, "sqs"), client(server, "events")
        # Deliveries queued before the kill go out after the restart.
        wait_until(lambda: queue_depth(sqs, "crash-events") >= len(acked), timeout=30)
        first = drain(sqs, "crash-events")
        missing = [e for e in acked if first[(e, None)] == 0]
        report("PutEvents across kill -9", first, {(e, None) for e in acked})
        self.assertEqual(missing, [], "%d acknowledged events lost" % len(missing))

        # Every acknowledged event is in the archive (more may be: an
        # unanswered request may have been stored).
        archived = events.describe_archive(ArchiveName="crash-archive")["EventCount"]
        self.assertGreaterEqual(archived, len(acked))

        # 2. A replay of the archive, killed while it runs.
        purge_url = sqs.get_queue_url(QueueName="crash-events")["QueueUrl"]
        sqs.purge_queue(QueueUrl=purge_url)
        time.sleep(1.1)  # replay windows are whole seconds; end it after the last event
        events.start_replay(ReplayName="cut", EventSourceArn=archive, EventStartTime=started,
                            EventEndTime=datetime.datetime.now(datetime.timezone.utc),
                            Destination={"Arn": bus})
        wait_until(lambda: queue_depth(sqs, "crash-events") > 0, timeout=10)
        server.kill9()

        server = self.restart()
        sqs, events = client(server, "sqs"), client(server, "events")
        # As the kill left it: the restart takes it up again.
        state_at_kill = events.describe_replay(ReplayName="cut")["State"]
        self.assertIn(state_at_kill, ("STARTING", "RUNNING", "COMPLETED"))
        done = wait_until(lambda: events.describe_replay(ReplayName="cut")["State"] in (
            "COMPLETED", "FAILED", "CANCELLED"), timeout=60)
        replay = events.describe_replay(ReplayName="cut")
        self.assertTrue(done, replay)
        self.assertEqual(replay["State"], "COMPLETED", replay)
        expected = {(e, "cut") for e in acked}
        wait_until(lambda: queue_depth(sqs, "crash-events") >= len(expected), timeout=30)
        second = drain(sqs, "crash-events")
        report("replay across kill -9 (state after restart %s)" % state_at_kill, second,
               expected)
        missing = [k for k in expected if second[k] == 0]
        self.assertEqual(missing, [], "%d archived events not replayed" % len(missing))
        self.assertEqual({k[1] for k in second}, {"cut"})


if __name__ == "__main__":
    unittest.main()
