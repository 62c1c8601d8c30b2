// A small CDK app: a Python function that writes an item to a table and a
// message to a queue, and a worker function that the queue feeds (an SQS
// event source) and that marks the item processed. `node app.js` (npm run
// synth) writes cdk.out/NimbusCdkApp.template.json; synth.sh copies it to
// template.json, the test data tests/e2e/test_cfn_cdk.py deploys.
//
// The stack is environment-agnostic (no account or region: the template
// refers to ${AWS::AccountId}-style pseudo parameters only) and synthesized
// without the bootstrap version rule, so deploying it needs no `cdk
// bootstrap` and no SSM parameter.
const { App, Stack, Duration, RemovalPolicy, DefaultStackSynthesizer, CfnOutput } = require('aws-cdk-lib');
const lambda = require('aws-cdk-lib/aws-lambda');
const dynamodb = require('aws-cdk-lib/aws-dynamodb');
const sqs = require('aws-cdk-lib/aws-sqs');
const { SqsEventSource } = require('aws-cdk-lib/aws-lambda-event-sources');

const WRITER = `
import json, os, boto3

def handler(event, context):
    item_id = event["id"]
    boto3.client("dynamodb").put_item(
        TableName=os.environ["TABLE_NAME"],
        Item={"id": {"S": item_id}, "state": {"S": "written"}})
    boto3.client("sqs").send_message(
        QueueUrl=os.environ["QUEUE_URL"], MessageBody=json.dumps({"id": item_id}))
    return {"id": item_id}
`;

const WORKER = `
import json, os, boto3

def handler(event, context):
    table = boto3.client("dynamodb")
    for record in event["Records"]:
        item_id = json.loads(record["body"])["id"]
        table.update_item(
            TableName=os.environ["TABLE_NAME"], Key={"id": {"S": item_id}},
            UpdateExpression="SET #s = :s", ExpressionAttributeNames={"#s": "state"},
            ExpressionAttributeValues={":s": {"S": "processed"}})
`;

// What the CDK CLI (`cdk synth`) turns on: the aws:cdk:path metadata of
// every resource and the AWS::CDK::Metadata resource (version reporting).
const app = new App({
  outdir: 'cdk.out',
  analyticsReporting: true,
  context: { 'aws:cdk:enable-path-metadata': true },
});
const stack = new Stack(app, 'NimbusCdkApp', {
  synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
});

const table = new dynamodb.Table(stack, 'Items', {
  partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
  billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
  removalPolicy: RemovalPolicy.DESTROY,
});
const queue = new sqs.Queue(stack, 'Work', { visibilityTimeout: Duration.seconds(30) });

const writer = new lambda.Function(stack, 'Writer', {
  runtime: lambda.Runtime.PYTHON_3_11,
  handler: 'index.handler',
  code: lambda.Code.fromInline(WRITER),
  timeout: Duration.seconds(10),
  environment: { TABLE_NAME: table.tableName, QUEUE_URL: queue.queueUrl },
});
table.grantWriteData(writer);
queue.grantSendMessages(writer);

const worker = new lambda.Function(stack, 'Worker', {
  runtime: lambda.Runtime.PYTHON_3_11,
  handler: 'index.handler',
  code: lambda.Code.fromInline(WORKER),
  timeout: Duration.seconds(10),
  environment: { TABLE_NAME: table.tableName },
});
table.grantWriteData(worker);
worker.addEventSource(new SqsEventSource(queue, { batchSize: 5 }));

new CfnOutput(stack, 'WriterName', { value: writer.functionName });
new CfnOutput(stack, 'TableName', { value: table.tableName });
new CfnOutput(stack, 'QueueUrl', { value: queue.queueUrl });

app.synth();
