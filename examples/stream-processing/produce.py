"""Producers: put click events into the clicks stream, one partition key per
user (so each user's clicks stay in order on one shard), and one poison
click that the aggregator cannot count.

Usage: python3 produce.py [ENDPOINT] [CLICKS]"""

import json
import random
import sys

from deploy import clients

PAGES = ["home", "search", "product", "cart", "checkout"]


def produce(endpoint, clicks=500, users=20, seed=7):
    """Puts `clicks` clicks (in PutRecords calls of up to 500) and one poison
    click; returns the number of clicks per page that were put."""
    kinesis = clients(endpoint)("kinesis")
    rng = random.Random(seed)
    counts = {}
    records = []
    for i in range(clicks):
        page = rng.choice(PAGES)
        counts[page] = counts.get(page, 0) + 1
        user = "user-%d" % rng.randrange(users)
        records.append({"PartitionKey": user,
                        "Data": json.dumps({"user": user, "page": page, "n": i}).encode()})
    records.insert(len(records) // 2, {"PartitionKey": "user-0",
                                       "Data": json.dumps({"page": "poison"}).encode()})
    for start in range(0, len(records), 500):
        out = kinesis.put_records(StreamName="clicks", Records=records[start:start + 500])
        if out["FailedRecordCount"]:
            raise RuntimeError("%d records were refused" % out["FailedRecordCount"])
    return counts


if __name__ == "__main__":
    endpoint = sys.argv[1] if len(sys.argv) > 1 else "http://localhost:4566"
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 500
    for page, count in sorted(produce(endpoint, n).items()):
        print("%-10s %d" % (page, count))
