// The queue's worker: for each queued item id, marks the item processed in
// the table and publishes a notification to the topic. A record that fails
// is reported back (ReportBatchItemFailures) and retried by the queue; the
// others of its batch are not.
const { DynamoDBClient, UpdateItemCommand } = require("@aws-sdk/client-dynamodb");
const { SNSClient, PublishCommand } = require("@aws-sdk/client-sns");

const dynamodb = new DynamoDBClient({});
const sns = new SNSClient({});

async function processItem(id) {
  const out = await dynamodb.send(
    new UpdateItemCommand({
      TableName: process.env.TABLE_NAME,
      Key: { id: { S: id } },
      UpdateExpression: "SET #status = :processed, processedAt = :now",
      ConditionExpression: "attribute_exists(id)",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: {
        ":processed": { S: "processed" },
        ":now": { S: new Date().toISOString() },
      },
      ReturnValues: "ALL_NEW",
    }),
  );
  await sns.send(
    new PublishCommand({
      TopicArn: process.env.TOPIC_ARN,
      Subject: "Item processed",
      Message: JSON.stringify({ id, name: out.Attributes.name.S, status: "processed" }),
    }),
  );
}

exports.handler = async (event) => {
  const batchItemFailures = [];
  for (const record of event.Records) {
    try {
      await processItem(JSON.parse(record.body).id);
    } catch (err) {
      console.error(`item of message ${record.messageId} failed:`, err);
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
};
