"""DynamoDB PartiQL end to end: boto3's execute_statement (SELECT as a Query
and as a Scan with Limit/NextToken paging, INSERT, UPDATE, DELETE,
parameters, AWS's errors), batch_execute_statement's per-statement answers,
execute_transaction (all or nothing, with its cancellation reasons), and the
AWS CLI's execute-statement."""

import json

from harness import ServerTestCase, require_boto3


class DynamoDbPartiqlTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        require_boto3()
        cls.client = cls.server.boto3_client("dynamodb")
        cls.client.create_table(
            TableName="e2e-pq", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                       {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "N"}])
        for i in range(6):
            cls.client.execute_statement(
                Statement="INSERT INTO \"e2e-pq\" VALUE {'pk': ?, 'sk': ?, 'n': ?, 'tags': <<'a'>>}",
                Parameters=[{"S": "p"}, {"N": str(i)}, {"N": str(i * 10)}])

    def run_statement(self, statement, *parameters, **extra):
        args = {"Statement": statement}
        if parameters:
            args["Parameters"] = list(parameters)
        args.update(extra)
        return self.client.execute_statement(**args)

    def error_of(self, statement, *parameters):
        from botocore.exceptions import ClientError
        with self.assertRaises(ClientError) as cm:
            self.run_statement(statement, *parameters)
        return cm.exception.response["Error"]["Code"], cm.exception.response["Error"]["Message"]

    def test_select_query_and_filter(self):
        out = self.run_statement(
            'SELECT sk, n FROM "e2e-pq" WHERE pk = ? AND sk BETWEEN 1 AND 4 AND n <> 20 '
            'ORDER BY sk DESC', {"S": "p"})
        self.assertEqual(out["Items"], [{"sk": {"N": "4"}, "n": {"N": "40"}},
                                        {"sk": {"N": "3"}, "n": {"N": "30"}},
                                        {"sk": {"N": "1"}, "n": {"N": "10"}}])

    def test_scan_pages_with_next_token(self):
        seen, token = [], None
        for _ in range(10):
            extra = {"Limit": 4}
            if token:
                extra["NextToken"] = token
            out = self.run_statement('SELECT * FROM "e2e-pq" WHERE n >= 0', **extra)
            seen += [item["sk"]["N"] for item in out["Items"]]
            token = out.get("NextToken")
            if not token:
                break
        self.assertEqual(sorted(seen, key=int), ["0", "1", "2", "3", "4", "5"])

    def test_writes_and_their_errors(self):
        self.run_statement("INSERT INTO \"e2e-pq\" VALUE {'pk': 'w', 'sk': 1, 'c': 0}")
        self.assertEqual(self.error_of("INSERT INTO \"e2e-pq\" VALUE {'pk': 'w', 'sk': 1}"),
                         ("DuplicateItemException", "Duplicate primary key exists in table"))
        out = self.run_statement(
            "UPDATE \"e2e-pq\" SET c = c + 1 SET l = list_append(if_not_exists(l, []), [?]) "
            "WHERE pk = 'w' AND sk = 1 AND c = 0 RETURNING ALL NEW *", {"S": "x"})
        self.assertEqual(out["Items"][0]["c"], {"N": "1"})
        self.assertEqual(out["Items"][0]["l"], {"L": [{"S": "x"}]})
        self.assertEqual(
            self.error_of("UPDATE \"e2e-pq\" SET c = 5 WHERE pk = 'w' AND sk = 1 AND c = 0"),
            ("ConditionalCheckFailedException", "The conditional request failed"))
        self.assertEqual(self.error_of("UPDATE \"e2e-pq\" SET c = 5 WHERE pk = 'w'"),
                         ("ValidationException", "Where clause does not contain a mandatory "
                          "equality on all key attributes"))
        self.assertEqual(self.error_of('SELECT * FROM "e2e-pq" WHERE pk = ?'),
                         ("ValidationException",
                          "Number of parameters in request and statement don't match."))
        self.assertEqual(self.error_of('SELECT * FROM "e2e-pq" WHERE'),
                         ("ValidationException",
                          "Statement wasn't well formed, can't be processed: Unexpected term"))
        self.run_statement("DELETE FROM \"e2e-pq\" WHERE pk = 'w' AND sk = 1")
        self.assertEqual(self.run_statement(
            "SELECT * FROM \"e2e-pq\" WHERE pk = 'w'")["Items"], [])

    def test_batch(self):
        out = self.client.batch_execute_statement(Statements=[
            {"Statement": "SELECT * FROM \"e2e-pq\" WHERE pk = 'p' AND sk = 2"},
            {"Statement": "UPDATE \"e2e-pq\" SET z = 1 WHERE pk = 'p' AND sk = ?",
             "Parameters": [{"N": "3"}]},
            {"Statement": "INSERT INTO \"e2e-pq\" VALUE {'pk': 'p', 'sk': 0}"},
        ])["Responses"]
        self.assertEqual(out[0]["Item"]["n"], {"N": "20"})
        self.assertNotIn("Error", out[1])
        self.assertEqual(out[2]["Error"]["Code"], "DuplicateItem")
        item = self.client.get_item(TableName="e2e-pq",
                                    Key={"pk": {"S": "p"}, "sk": {"N": "3"}})["Item"]
        self.assertEqual(item["z"], {"N": "1"})

    def test_cli(self):
        _, out, _ = self.server.aws_cli(
            "dynamodb", "execute-statement", "--statement",
            "SELECT * FROM \"e2e-pq\" WHERE pk = ? AND sk = ?", "--parameters",
            json.dumps([{"S": "p"}, {"N": "5"}]))
        self.assertEqual(json.loads(out)["Items"][0]["n"], {"N": "50"})

    def test_transaction(self):
        from botocore.exceptions import ClientError
        # Attribute m, not n: the other tests read every item with an n.
        t = "\"e2e-pq\""
        out = self.client.execute_transaction(TransactStatements=[
            {"Statement": "INSERT INTO %s VALUE {'pk': 'tx', 'sk': 1, 'm': 1}" % t},
            {"Statement": "INSERT INTO %s VALUE {'pk': 'tx', 'sk': 2, 'm': ?}" % t,
             "Parameters": [{"N": "2"}]}])
        self.assertNotIn("Responses", out)
        self.client.execute_transaction(TransactStatements=[
            {"Statement": "UPDATE %s SET m = m + 10 WHERE pk = 'tx' AND sk = 2" % t}])
        with self.assertRaises(ClientError) as cm:
            self.client.execute_transaction(TransactStatements=[
                {"Statement": "DELETE FROM %s WHERE pk = 'tx' AND sk = 2" % t},
                {"Statement": "INSERT INTO %s VALUE {'pk': 'tx', 'sk': 1}" % t}])
        err = cm.exception.response
        self.assertEqual(err["Error"]["Code"], "TransactionCanceledException")
        self.assertEqual([r["Code"] for r in err["CancellationReasons"]], ["None", "DuplicateItem"])
        read = self.client.execute_transaction(TransactStatements=[
            {"Statement": "SELECT m FROM %s WHERE pk = 'tx' AND sk = 2" % t},
            {"Statement": "SELECT * FROM %s WHERE pk = 'tx' AND sk = 1" % t},
            {"Statement": "SELECT * FROM %s WHERE pk = 'tx' AND sk = 3" % t}])["Responses"]
        self.assertEqual(read[0]["Item"], {"m": {"N": "12"}})
        self.assertEqual(read[1]["Item"]["m"], {"N": "1"})
        self.assertNotIn("Item", read[2])
        with self.assertRaises(ClientError) as cm:
            self.client.execute_transaction(TransactStatements=[
                {"Statement": "SELECT * FROM %s WHERE pk = 'tx' AND sk = 2" % t},
                {"Statement": "DELETE FROM %s WHERE pk = 'tx' AND sk = 1" % t}])
        self.assertEqual(cm.exception.response["Error"]["Code"], "ValidationException")
        self.assertIn("Item", self.client.get_item(
            TableName="e2e-pq", Key={"pk": {"S": "tx"}, "sk": {"N": "1"}}))
