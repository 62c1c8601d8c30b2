"""Kinesis over application/x-amz-cbor-1.1, the body the AWS Java SDKs, the
KPL and the KCL send by default: requests encoded and signed here as the Java
SDK does (X-Amz-Target, CBOR body, blobs as byte strings, timestamps as tag 1
over epoch milliseconds), answers and errors read back as CBOR."""

import struct
import time
import unittest
import urllib.error
import urllib.request

from harness import REGION, ServerTestCase, require_boto3


class Ts:
    """A timestamp in epoch milliseconds (CBOR tag 1, as the Java SDKs write it)."""

    def __init__(self, ms):
        self.ms = ms


def head(major, n):
    if n < 24:
        return bytes([major << 5 | n])
    for ai, fmt in ((24, ">B"), (25, ">H"), (26, ">I"), (27, ">Q")):
        if n < 1 << (8 * struct.calcsize(fmt)):
            return bytes([major << 5 | ai]) + struct.pack(fmt, n)
    raise ValueError(n)


def enc(v):
    if v is None:
        return b"\xf6"
    if isinstance(v, bool):
        return b"\xf5" if v else b"\xf4"
    if isinstance(v, Ts):
        return b"\xc1" + enc(v.ms)
    if isinstance(v, int):
        return head(0, v) if v >= 0 else head(1, -1 - v)
    if isinstance(v, bytes):
        return head(2, len(v)) + v
    if isinstance(v, str):
        b = v.encode()
        return head(3, len(b)) + b
    if isinstance(v, list):
        return head(4, len(v)) + b"".join(enc(x) for x in v)
    return head(5, len(v)) + b"".join(enc(k) + enc(x) for k, x in v.items())


def dec(b, i=0):
    """(value, next index) of the definite-length item at b[i] (what nimbus writes)."""
    major, ai = b[i] >> 5, b[i] & 31
    i += 1
    if major == 7:
        if ai == 27:
            return struct.unpack(">d", b[i:i + 8])[0], i + 8
        return {20: False, 21: True, 22: None}[ai], i
    n = ai
    if ai >= 24:
        size = 1 << (ai - 24)
        n = int.from_bytes(b[i:i + size], "big")
        i += size
    if major == 0:
        return n, i
    if major == 1:
        return -1 - n, i
    if major == 2:
        return bytes(b[i:i + n]), i + n
    if major == 3:
        return b[i:i + n].decode(), i + n
    if major == 4:
        out = []
        for _ in range(n):
            v, i = dec(b, i)
            out.append(v)
        return out, i
    if major == 5:
        out = {}
        for _ in range(n):
            k, i = dec(b, i)
            out[k], i = dec(b, i)
        return out, i
    v, i = dec(b, i)
    return (Ts(v) if n == 1 else v), i


class KinesisCborTest(ServerTestCase):
    def setUp(self):
        require_boto3()

    def call(self, op, body):
        """(status, content type, decoded body) of a signed CBOR request."""
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        data = enc(body)
        req = AWSRequest(method="POST", url=self.server.endpoint + "/", data=data, headers={
            "Content-Type": "application/x-amz-cbor-1.1",
            "X-Amz-Target": "Kinesis_20131202." + op})
        SigV4Auth(Credentials("test", "test"), "kinesis", REGION).add_auth(req)
        raw = urllib.request.Request(req.url, data=data, method="POST",
                                     headers=dict(req.headers.items()))
        try:
            with urllib.request.urlopen(raw, timeout=10) as r:
                status, ctype, payload = r.status, r.headers["Content-Type"], r.read()
        except urllib.error.HTTPError as e:
            status, ctype, payload = e.code, e.headers["Content-Type"], e.read()
        value, end = dec(payload)
        self.assertEqual(end, len(payload))
        return status, ctype, value

    def test_put_get_describe_as_the_java_sdk(self):
        status, ctype, out = self.call("CreateStream", {"StreamName": "cbor", "ShardCount": 1})
        self.assertEqual((status, ctype, out), (200, "application/x-amz-cbor-1.1", {}))
        _, _, d = self.call("DescribeStream", {"StreamName": "cbor"})
        desc = d["StreamDescription"]
        self.assertEqual(desc["StreamStatus"], "ACTIVE")
        self.assertIsInstance(desc["StreamCreationTimestamp"], Ts)
        self.assertLess(abs(desc["StreamCreationTimestamp"].ms / 1000.0 - time.time()), 60)
        shard = desc["Shards"][0]["ShardId"]

        payload = bytes(range(256))
        _, _, put = self.call("PutRecord",
                              {"StreamName": "cbor", "Data": payload, "PartitionKey": "k"})
        self.assertEqual(put["ShardId"], shard)
        _, _, batch = self.call("PutRecords", {"StreamName": "cbor", "Records": [
            {"Data": b"\x00", "PartitionKey": "a"}, {"Data": b"\xff" * 10, "PartitionKey": "b"}]})
        self.assertEqual(batch["FailedRecordCount"], 0)

        _, _, it = self.call("GetShardIterator", {
            "StreamName": "cbor", "ShardId": shard, "ShardIteratorType": "AT_TIMESTAMP",
            "Timestamp": Ts(int((time.time() - 60) * 1000))})
        _, _, got = self.call("GetRecords", {"ShardIterator": it["ShardIterator"]})
        recs = got["Records"]
        self.assertEqual([r["Data"] for r in recs], [payload, b"\x00", b"\xff" * 10])
        self.assertEqual(recs[0]["SequenceNumber"], put["SequenceNumber"])
        self.assertIsInstance(recs[0]["ApproximateArrivalTimestamp"], Ts)
        self.assertIsInstance(got["MillisBehindLatest"], int)

        # The JSON clients read what CBOR wrote.
        k = self.server.boto3_client("kinesis")
        it = k.get_shard_iterator(StreamName="cbor", ShardId=shard,
                                  ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        self.assertEqual(k.get_records(ShardIterator=it)["Records"][0]["Data"], payload)

    def test_errors_are_cbor_with_type(self):
        status, ctype, err = self.call("DescribeStream", {"StreamName": "nope"})
        self.assertEqual((status, ctype), (400, "application/x-amz-cbor-1.1"))
        self.assertEqual(err["__type"], "ResourceNotFoundException")
        self.assertIn("nope", err["message"])
        status, _, err = self.call("PutRecord", {"StreamName": "nope", "Data": 5,
                                                 "PartitionKey": "k"})
        self.assertEqual((status, err["__type"]), (400, "SerializationException"))


if __name__ == "__main__":
    unittest.main()
