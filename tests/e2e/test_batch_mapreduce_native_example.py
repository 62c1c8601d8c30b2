"""examples/batch-mapreduce with the native mapper (deploy.py --native,
build/bench/mapreduce_mapper as a provided.al2 function) against a real
server: every partial it writes is byte for byte what mapper.py's
count_words gives on the same object, and the job's result is the Python
mapper's; objects that are not UTF-8 fail with UnreadableInput in both.
Skipped when the native mapper is not built."""

import collections
import json
import os
import sys
import unittest

from harness import ROOT, ServerTestCase, nimbus_binary, require_boto3, wait_until

EXAMPLE = os.path.join(ROOT, "examples", "batch-mapreduce")
sys.path.insert(0, EXAMPLE)
# Built beside the server: <build>/bench/mapreduce_mapper.
NATIVE = os.environ.get("NIMBUS_MAPPER_BIN", os.path.join(
    os.path.dirname(os.path.abspath(nimbus_binary())), "bench", "mapreduce_mapper"))

# ASCII text with every case of the word rule (inner apostrophes kept, outer
# and doubled ones separating, digits and underscores in words, mixed case),
# and non-ASCII words of lower-case letters only, which both mappers count
# alike (README.md: where they differ).
PIECES = ["Don't", "DON'T", "o'neil's", "'tis", "dogs'", "rock''n", "roll", "x2", "__init__",
          "a_b", "It's", "THE", "the", "The", "9lives", "end.", "(paren)", "semi;colon",
          "tab\tsep", "new\nline", "hy-phen", "café", "naïve", "straße", "日本語", "ünïcödé"]


def document(i, n):
    """Object i: n pieces, separators varying, so that words and apostrophes
    fall across the reads of a large object."""
    seps = [" ", "\n", ", ", "'", " '", "  \t", ". "]
    return "".join(PIECES[(i * 3 + j * j) % len(PIECES)] + seps[(i + j) % len(seps)]
                   for j in range(n)).encode()


INPUTS = {
    "books/part-00.txt": document(0, 60000),        # ~400 KB: several reads
    "books/part-01.txt": document(1, 300),
    "books/part-02.txt": b"no trailing separator don't",
    "books/part-03.txt": b"ends in an apostrophe don'",
    "books/part-04.txt": b"x" * 300000 + b" long'word " + b"Y" * 70000,  # a word past a read
    "books/poison.bin": b"\xff\xfe\x00\x81 not text",
}
# Not UTF-8 as Python's strict decoder says: invoked directly (no retry).
NOT_UTF8 = [b"overlong \xc0\xaf", b"surrogate \xed\xa0\x80 x", b"truncated \xc3",
            b"past U+10FFFF \xf4\x90\x80\x80", b"ok " * 50000 + b"\x80"]


def python_counts(data):
    """mapper.py's counts over `data` read in 64 KiB chunks, or None when it
    raises UnreadableInput."""
    import mapper
    try:
        return mapper.count_words(data[i:i + 65536] for i in range(0, len(data), 65536))
    except mapper.UnreadableInput:
        return None


@unittest.skipUnless(os.path.exists(NATIVE), "the native mapper is not built: " + NATIVE)
class BatchMapReduceNativeTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        require_boto3()
        super().setUpClass()
        import deploy
        cls.names = deploy.deploy(cls.server.endpoint, native=NATIVE)
        s3 = cls.server.boto3_client("s3")
        for key, body in INPUTS.items():
            s3.put_object(Bucket=cls.names["input_bucket"], Key=key, Body=body)

    def test_the_job_counts_as_the_python_mapper_does(self):
        names, s3 = self.names, self.server.boto3_client("s3")
        sfn = self.server.boto3_client("stepfunctions")
        self.assertEqual(self.server.boto3_client("lambda").get_function(
            FunctionName="mapper")["Configuration"]["Runtime"], "provided.al2")
        job = sfn.start_execution(stateMachineArn=names["state_machine"], name="native-1",
                                  input=json.dumps({"input_bucket": names["input_bucket"],
                                                    "prefix": "books/",
                                                    "output_bucket": names["output_bucket"]}))
        done = wait_until(lambda: (lambda d: d if d["status"] != "RUNNING" else None)(
            sfn.describe_execution(executionArn=job["executionArn"])), timeout=60)
        self.assertIsNotNone(done, "the job did not finish")
        self.assertEqual(done["status"], "SUCCEEDED", done)

        expected = collections.Counter()
        for key, body in INPUTS.items():
            counts = python_counts(body)
            if counts is None:
                continue
            expected.update(counts)
            partial = s3.get_object(Bucket=names["output_bucket"],
                                    Key="jobs/native-1/partials/%s.json" % key)["Body"].read()
            self.assertEqual(partial, json.dumps(counts, sort_keys=True).encode(), key)
        result = json.loads(s3.get_object(Bucket=names["output_bucket"],
                                          Key="jobs/native-1/result.json")["Body"].read())
        self.assertEqual(result["words"], dict(expected))
        self.assertEqual(result["total"], sum(expected.values()))
        self.assertEqual(result["failed"], [{"key": "books/poison.bin",
                                             "error": "UnreadableInput"}])
        self.assertEqual(json.loads(done["output"])["total"], sum(expected.values()))

    def test_text_that_is_not_utf8_is_unreadable_input_as_in_python(self):
        lam, s3 = self.server.boto3_client("lambda"), self.server.boto3_client("s3")
        for n, body in enumerate(NOT_UTF8):
            self.assertIsNone(python_counts(body), body[-8:])
            key = "bad/%d.txt" % n
            s3.put_object(Bucket=self.names["input_bucket"], Key=key, Body=body)
            out = lam.invoke(FunctionName="mapper", Payload=json.dumps({
                "input_bucket": self.names["input_bucket"], "key": key, "job": "bad",
                "output_bucket": self.names["output_bucket"]}).encode())
            self.assertEqual(out.get("FunctionError"), "Unhandled", body[-8:])
            error = json.loads(out["Payload"].read())
            self.assertEqual(error["errorType"], "UnreadableInput", error)
            self.assertIn("not UTF-8 text", error["errorMessage"])

    def test_a_missing_object_fails_with_s3s_error_and_writes_nothing(self):
        lam, s3 = self.server.boto3_client("lambda"), self.server.boto3_client("s3")
        out = lam.invoke(FunctionName="mapper", Payload=json.dumps({
            "input_bucket": self.names["input_bucket"], "key": "books/absent.txt",
            "job": "missing", "output_bucket": self.names["output_bucket"]}).encode())
        self.assertEqual(json.loads(out["Payload"].read())["errorType"], "NoSuchKey")
        self.assertEqual(s3.list_objects_v2(Bucket=self.names["output_bucket"],
                                            Prefix="jobs/missing/")["KeyCount"], 0)

    def test_words_with_a_key_that_needs_encoding(self):
        lam, s3 = self.server.boto3_client("lambda"), self.server.boto3_client("s3")
        key = "odd keys/ça & co+1.txt"
        s3.put_object(Bucket=self.names["input_bucket"], Key=key, Body=b"Same same, DIFFERENT")
        out = lam.invoke(FunctionName="mapper", Payload=json.dumps({
            "input_bucket": self.names["input_bucket"], "key": key, "job": "odd",
            "output_bucket": self.names["output_bucket"]}).encode())
        self.assertNotIn("FunctionError", out)
        self.assertEqual(json.loads(out["Payload"].read()), {
            "key": key, "partial": "jobs/odd/partials/%s.json" % key, "words": 3})
        partial = s3.get_object(Bucket=self.names["output_bucket"],
                                Key="jobs/odd/partials/%s.json" % key)["Body"].read()
        self.assertEqual(json.loads(partial), {"different": 1, "same": 2})


if __name__ == "__main__":
    unittest.main()
