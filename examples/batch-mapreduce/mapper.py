"""The mapper: one invocation per input object. Streams the object from S3,
counts its words (lower-cased runs of letters, digits and underscores, with
inner apostrophes as in "don't"; anything else separates words), and
writes the counts as an intermediate object,
jobs/<job>/partials/<input key>.json, to the output bucket.

An object that is not UTF-8 text raises UnreadableInput; the state machine
retries it once, then sets it aside (see README.md)."""

import codecs
import collections
import json
import re

import boto3

WORD = re.compile(r"\w+(?:'\w+)*")


class UnreadableInput(Exception):
    pass


def count_words(chunks):
    """Word counts of a stream of byte chunks; a word may straddle chunks."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    counts, tail = collections.Counter(), ""
    try:
        for chunk in chunks:
            text = tail + decoder.decode(chunk).lower()
            # A word never spans white space: what follows the last white
            # space may continue in the next chunk, so it waits for it.
            cut = max(text.rfind(c) for c in " \t\n\r\f\v") + 1
            counts.update(WORD.findall(text, 0, cut))
            tail = text[cut:]
        text = tail + decoder.decode(b"", final=True).lower()
    except UnicodeDecodeError as e:
        raise UnreadableInput("not UTF-8 text: %s" % e) from None
    counts.update(WORD.findall(text))
    return counts


def handler(event, context):
    s3 = boto3.client("s3")
    body = s3.get_object(Bucket=event["input_bucket"], Key=event["key"])["Body"]
    counts = count_words(body.iter_chunks(64 * 1024))
    partial = "jobs/%s/partials/%s.json" % (event["job"], event["key"])
    s3.put_object(Bucket=event["output_bucket"], Key=partial,
                  Body=json.dumps(counts, sort_keys=True).encode(),
                  ContentType="application/json")
    return {"key": event["key"], "partial": partial, "words": sum(counts.values())}
