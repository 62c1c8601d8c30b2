"""SNS end to end: topics, subscriptions and publishing with boto3 (awsQuery)
and the AWS CLI against a real server."""

import json
import unittest

from harness import REGION, Server, ServerTestCase, require_boto3


class SnsTopicsTest(ServerTestCase):
    def setUp(self):
        require_boto3()
        self.sns = self.server.boto3_client("sns")

    def test_create_is_idempotent_and_checks_attributes(self):
        arn = self.sns.create_topic(Name="e2e-idem", Attributes={"DisplayName": "D"})["TopicArn"]
        self.assertEqual(arn, "arn:aws:sns:%s:000000000000:e2e-idem" % REGION)
        again = self.sns.create_topic(Name="e2e-idem", Attributes={"DisplayName": "D"})
        self.assertEqual(again["TopicArn"], arn)
        with self.assertRaises(self.sns.exceptions.InvalidParameterException) as cm:
            self.sns.create_topic(Name="e2e-idem", Attributes={"DisplayName": "other"})
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidParameter")
        self.assertEqual(cm.exception.response["Error"]["Message"],
                         "Invalid parameter: Attributes Reason: "
                         "Topic already exists with different attributes")
        with self.assertRaises(self.sns.exceptions.InvalidParameterException) as cm:
            self.sns.create_topic(Name="no spaces")
        self.assertEqual(cm.exception.response["Error"]["Message"], "Invalid parameter: Topic Name")

    def test_attributes_and_not_found(self):
        arn = self.sns.create_topic(Name="e2e-attrs")["TopicArn"]
        self.sns.set_topic_attributes(TopicArn=arn, AttributeName="DisplayName",
                                      AttributeValue="Shown")
        attrs = self.sns.get_topic_attributes(TopicArn=arn)["Attributes"]
        self.assertEqual(attrs["DisplayName"], "Shown")
        self.assertEqual(attrs["SubscriptionsConfirmed"], "0")
        policy = json.loads(attrs["Policy"])
        self.assertEqual(policy["Statement"][0]["Resource"], arn)
        with self.assertRaises(self.sns.exceptions.NotFoundException) as cm:
            self.sns.get_topic_attributes(TopicArn=arn + "-missing")
        self.assertEqual(cm.exception.response["Error"]["Code"], "NotFound")
        self.assertEqual(cm.exception.response["Error"]["Message"], "Topic does not exist")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 404)

    def test_fifo_topic(self):
        arn = self.sns.create_topic(Name="e2e.fifo", Attributes={
            "FifoTopic": "true", "ContentBasedDeduplication": "true"})["TopicArn"]
        attrs = self.sns.get_topic_attributes(TopicArn=arn)["Attributes"]
        self.assertEqual(attrs["FifoTopic"], "true")
        self.assertEqual(attrs["ContentBasedDeduplication"], "true")

    def test_list_topics_paginates(self):
        for i in range(105):
            self.sns.create_topic(Name="e2e-page-%03d" % i)
        pages = list(self.sns.get_paginator("list_topics").paginate())
        self.assertGreaterEqual(len(pages), 2)
        arns = [t["TopicArn"] for p in pages for t in p["Topics"]]
        self.assertEqual(len([a for a in arns if ":e2e-page-" in a]), 105)
        self.assertEqual(len(arns), len(set(arns)))

    def test_tags_and_data_protection_policy(self):
        arn = self.sns.create_topic(Name="e2e-tags", Tags=[{"Key": "team", "Value": "a"}])["TopicArn"]
        self.sns.tag_resource(ResourceArn=arn, Tags=[{"Key": "env", "Value": "dev"}])
        self.sns.untag_resource(ResourceArn=arn, TagKeys=["team"])
        tags = self.sns.list_tags_for_resource(ResourceArn=arn)["Tags"]
        self.assertEqual(tags, [{"Key": "env", "Value": "dev"}])
        with self.assertRaises(self.sns.exceptions.ResourceNotFoundException):
            self.sns.list_tags_for_resource(ResourceArn=arn + "-missing")
        if not hasattr(self.sns, "put_data_protection_policy"):
            return  # an older botocore than the operation
        policy = json.dumps({"Name": "p", "Version": "2021-06-01", "Statement": []})
        self.sns.put_data_protection_policy(ResourceArn=arn, DataProtectionPolicy=policy)
        got = self.sns.get_data_protection_policy(ResourceArn=arn)["DataProtectionPolicy"]
        self.assertEqual(json.loads(got), json.loads(policy))

    def test_delete_topic(self):
        arn = self.sns.create_topic(Name="e2e-delete")["TopicArn"]
        self.sns.delete_topic(TopicArn=arn)
        self.sns.delete_topic(TopicArn=arn)
        arns = [t["TopicArn"] for t in self.sns.list_topics()["Topics"]]
        self.assertNotIn(arn, arns)

    def test_cli(self):
        _, out, _ = self.server.aws_cli("sns", "create-topic", "--name", "e2e-cli",
                                        "--attributes", "DisplayName=CLI")
        arn = json.loads(out)["TopicArn"]
        _, out, _ = self.server.aws_cli("sns", "get-topic-attributes", "--topic-arn", arn)
        self.assertEqual(json.loads(out)["Attributes"]["DisplayName"], "CLI")
        code, _, err = self.server.aws_cli("sns", "get-topic-attributes", "--topic-arn",
                                           arn + "-missing", check=False)
        self.assertNotEqual(code, 0)
        self.assertIn("Topic does not exist", err)


class SnsRestartTest(unittest.TestCase):
    def test_topics_survive_restart(self):
        require_boto3()
        server = Server().start()
        try:
            sns = server.boto3_client("sns")
            arn = sns.create_topic(Name="kept", Attributes={"DisplayName": "K"})["TopicArn"]
            server.kill9()
            server.start()
            sns = server.boto3_client("sns")
            self.assertEqual(sns.get_topic_attributes(TopicArn=arn)["Attributes"]["DisplayName"], "K")
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
