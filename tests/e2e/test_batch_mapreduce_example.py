"""examples/batch-mapreduce end to end against a real server: twenty text
objects under a prefix (one larger than a read chunk, words in mixed case
and punctuation) and one binary poison object go to the input bucket; an
execution of the wordcount state machine splits, maps one mapper per object
and reduces, and the result object holds the exact word counts, with the
poison object retried once and then set aside."""

import collections
import json
import os
import sys
import unittest

from harness import ServerTestCase, require_boto3, wait_until

EXAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples",
                       "batch-mapreduce")
sys.path.insert(0, EXAMPLE)

VOCABULARY = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
              "india", "juliet", "kilo", "lima", "mike", "don't", "x2", "café", "naïve"]
SEPARATORS = [" ", "\n", ", ", ". ", "  \t", "; "]


def document(i):
    """Input object i: its text and the words it holds, lower-cased."""
    n = 12000 if i == 0 else 5 + 7 * i  # object 0 spans several 64 KiB reads
    words = [VOCABULARY[(i * 7 + j * j) % len(VOCABULARY)] for j in range(n)]
    parts = []
    for j, w in enumerate(words):
        parts.append(w.upper() if j % 5 == 0 else w.capitalize() if j % 3 == 0 else w)
        parts.append(SEPARATORS[(i + j) % len(SEPARATORS)])
    return "".join(parts), words


def finished(sfn, arn):
    d = sfn.describe_execution(executionArn=arn)
    return d if d["status"] != "RUNNING" else None


class BatchMapReduceExampleTest(ServerTestCase):
    def test_word_counts_are_exact_and_the_poison_input_is_set_aside(self):
        require_boto3()
        import deploy
        names = deploy.deploy(self.server.endpoint)
        s3 = self.server.boto3_client("s3")
        sfn = self.server.boto3_client("stepfunctions")

        expected = collections.Counter()
        for i in range(20):
            text, words = document(i)
            expected.update(words)
            s3.put_object(Bucket=names["input_bucket"], Key="books/part-%02d.txt" % i,
                          Body=text.encode())
        s3.put_object(Bucket=names["input_bucket"], Key="books/poison.bin",
                      Body=b"\xff\xfe\x00\x81 not text")
        s3.put_object(Bucket=names["input_bucket"], Key="elsewhere/ignored.txt",
                      Body=b"zulu zulu zulu")

        job = sfn.start_execution(
            stateMachineArn=names["state_machine"], name="books-1",
            input=json.dumps({"input_bucket": names["input_bucket"], "prefix": "books/",
                              "output_bucket": names["output_bucket"]}))["executionArn"]
        done = wait_until(lambda: finished(sfn, job), timeout=90)
        self.assertIsNotNone(done, "the job did not finish")
        self.assertEqual(done["status"], "SUCCEEDED", done)
        output = json.loads(done["output"])
        self.assertEqual(output["result"], "jobs/books-1/result.json")
        self.assertEqual(output["failed"], ["books/poison.bin"])

        result = json.loads(s3.get_object(Bucket=names["output_bucket"],
                                          Key="jobs/books-1/result.json")["Body"].read())
        self.assertEqual(result["words"], dict(expected))
        self.assertEqual(result["total"], sum(expected.values()))
        self.assertEqual((result["inputs"], result["counted"]), (21, 20))
        self.assertEqual(result["failed"], [{"key": "books/poison.bin",
                                             "error": "UnreadableInput"}])
        partials = s3.list_objects_v2(Bucket=names["output_bucket"],
                                      Prefix="jobs/books-1/partials/")["KeyCount"]
        self.assertEqual(partials, 20)

        events = []
        kwargs = {"executionArn": job, "maxResults": 1000}
        while True:
            page = sfn.get_execution_history(**kwargs)
            events += page["events"]
            if not page.get("nextToken"):
                break
            kwargs["nextToken"] = page["nextToken"]
        failures = [e["lambdaFunctionFailedEventDetails"] for e in events
                    if e["type"] == "LambdaFunctionFailed"]
        # The poison object: its first try and the retry a second later.
        self.assertEqual([f["error"] for f in failures], ["UnreadableInput"] * 2)
        self.assertEqual(sum(e["type"] == "LambdaFunctionSucceeded" for e in events), 22)


if __name__ == "__main__":
    unittest.main()
