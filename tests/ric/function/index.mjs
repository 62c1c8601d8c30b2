// Handlers for tests/ric/test_ric.py, run by aws-lambda-ric inside nimbus.

class OrderRejected extends Error {
  constructor(message) {
    super(message);
    this.name = 'OrderRejected';
  }
}

// Async: awaits a timer before answering, so a runtime that did not wait for
// the promise would answer without `waited`.
export const handler = async (event, context) => {
  console.log('ric event', JSON.stringify(event));
  if (event && event.fail) throw new OrderRejected(`order ${event.fail} rejected`);
  const before = context.getRemainingTimeInMillis();
  await new Promise((done) => setTimeout(done, 50));
  return {
    echo: event,
    waited: true,
    requestId: context.awsRequestId,
    functionName: context.functionName,
    functionVersion: context.functionVersion,
    invokedFunctionArn: context.invokedFunctionArn,
    memoryLimitInMB: context.memoryLimitInMB,
    logGroupName: context.logGroupName,
    remainingBefore: before,
    remainingAfter: context.getRemainingTimeInMillis(),
  };
};

// Callback style, the other handler form the client supports.
export const callback = (event, context, done) => {
  console.log('ric callback', context.awsRequestId);
  if (event && event.fail) return done(new Error('callback failed'));
  done(null, { callback: true, n: event.n * 2 });
};

// Throws outside the handler's promise: the client reports the exception as
// the invocation's error, then exits.
export const uncaught = async () => {
  setTimeout(() => {
    throw new TypeError('thrown from a timer');
  }, 0);
  await new Promise((done) => setTimeout(done, 1000));
  return 'not reached';
};

export const ctx = async (event, context) => ({
  clientContext: context.clientContext ?? null,
});
