"""S3 event notifications: PUT acknowledged -> the ObjectCreated event
visible in an SQS queue, p50/p99 (issue 10's notification latency).

One boto3 client puts `--objects` 4 KiB objects one at a time into a bucket
whose QueueConfiguration targets a queue; a second thread long-polls the
queue. Each object's key carries nothing but its index; the latency of one
object is the time its message was received minus the time its
PutObject answered (both on this machine's clock). The next PUT waits for
the previous message, so every event finds an idle path. nimbus only: moto
sends no notifications to its SQS, s3rver has none.

Usage: python3 bench/s3_notify_bench.py [--objects 200]
"""

import argparse
import json
import sys
import time

from common import Server, load_line, percentile


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--objects", type=int, default=200)
    args = ap.parse_args()
    print("s3 notification latency, PUT -> SQS visible, %d objects one at a time, "
          "nimbus --durability sync, %s" % (args.objects, load_line()), flush=True)
    server = Server().start()
    try:
        s3 = server.boto3_client("s3")
        sqs = server.boto3_client("sqs")
        url = sqs.create_queue(QueueName="notify-bench")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url,
                                       AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        s3.create_bucket(Bucket="notify-bench")
        s3.put_bucket_notification_configuration(
            Bucket="notify-bench",
            NotificationConfiguration={"QueueConfigurations": [
                {"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]})
        # The s3:TestEvent a saved configuration sends.
        sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)
        sqs.purge_queue(QueueUrl=url)
        body = b"x" * 4096
        latencies, missing = [], 0
        for i in range(args.objects):
            s3.put_object(Bucket="notify-bench", Key="k%d" % i, Body=body)
            acked = time.time()
            got = None
            deadline = acked + 10
            while got is None and time.time() < deadline:
                for m in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5,
                                             MaxNumberOfMessages=10).get("Messages", []):
                    record = json.loads(m["Body"]).get("Records", [{}])[0]
                    if record.get("s3", {}).get("object", {}).get("key") == "k%d" % i:
                        got = time.time()
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            if got is None:
                missing += 1
            else:
                latencies.append((got - acked) * 1000)
        print("PUT acknowledged -> message received: p50 %.2f ms p99 %.2f ms max %.2f ms "
              "(%d measured, %d missing)"
              % (percentile(latencies, 50), percentile(latencies, 99),
                 max(latencies) if latencies else float("nan"), len(latencies), missing),
              flush=True)
    finally:
        server.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
