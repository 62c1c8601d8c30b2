// nimbus's Node.js runtime: the Lambda Runtime API loop for nodejs18.x,
// 20.x and 22.x. Loads _HANDLER ("path/file.function") from LAMBDA_TASK_ROOT
// as an ES module or CommonJS (.mjs, .cjs, .js), supports async handlers and
// callback handlers (event, context, callback), and reports errors as
// {errorMessage, errorType, stackTrace}. Built-in modules only.
import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(":");
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const BASE = "/2018-06-01/runtime";

function request(method, urlPath, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host, port, method, path: BASE + urlPath, agent, headers },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => resolve({ res, body: Buffer.concat(chunks) }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

function errorDoc(err, fallbackType = "Error") {
  if (!(err instanceof Error)) {
    return { errorType: "string", errorMessage: String(err), trace: [] };
  }
  return {
    errorType: err.name || fallbackType,
    errorMessage: err.message,
    trace: (err.stack || "").split("\n"),
    stackTrace: (err.stack || "").split("\n").slice(1).map((l) => l.trim()),
  };
}

function postJson(urlPath, doc, errorType) {
  const body = JSON.stringify(doc);
  const headers = { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) };
  if (errorType) headers["Lambda-Runtime-Function-Error-Type"] = errorType;
  return request("POST", urlPath, body, headers);
}

class InitError extends Error {
  constructor(type, message) {
    super(message);
    this.name = type;
  }
}

async function loadHandler() {
  const spec = process.env._HANDLER || "";
  const dot = spec.lastIndexOf(".");
  if (dot <= 0) throw new InitError("Runtime.MalformedHandlerName", `Bad handler ${spec}`);
  const modPath = spec.slice(0, dot);
  const fnPath = spec.slice(dot + 1);
  const root = process.env.LAMBDA_TASK_ROOT || process.cwd();
  let file = null;
  for (const ext of [".js", ".mjs", ".cjs"]) {
    if (fs.existsSync(path.join(root, modPath + ext))) {
      file = path.join(root, modPath + ext);
      break;
    }
  }
  if (!file) {
    throw new InitError("Runtime.ImportModuleError", `Error: Cannot find module '${modPath}'`);
  }
  let mod;
  try {
    mod = await import(pathToFileURL(file).href);
  } catch (e) {
    if (e instanceof SyntaxError) throw new InitError("Runtime.UserCodeSyntaxError", String(e));
    throw e;
  }
  let fn = mod;
  for (const part of fnPath.split(".")) fn = fn?.[part] ?? fn?.default?.[part];
  if (typeof fn !== "function") {
    throw new InitError("Runtime.HandlerNotFound", `${modPath}.${fnPath} is undefined or not exported`);
  }
  return fn;
}

function makeContext(res, requestId) {
  const h = res.headers;
  const deadline = Number(h["lambda-runtime-deadline-ms"] || 0);
  const json = (v) => (v ? JSON.parse(v) : undefined);
  return {
    callbackWaitsForEmptyEventLoop: true,
    awsRequestId: requestId,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    invokedFunctionArn: h["lambda-runtime-invoked-function-arn"],
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    clientContext: json(h["lambda-runtime-client-context"]),
    identity: json(h["lambda-runtime-cognito-identity"]),
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: undefined,
    succeed: undefined,
    fail: undefined,
  };
}

// Runs the handler as callback-style or async, settling once.
function run(handler, event, context) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (err, value) => {
      if (settled) return;
      settled = true;
      err ? reject(err) : resolve(value);
    };
    context.done = settle;
    context.succeed = (v) => settle(null, v);
    context.fail = (e) => settle(e ?? new Error("handled"));
    try {
      const out = handler(event, context, settle);
      if (out && typeof out.then === "function") out.then((v) => settle(null, v), (e) => settle(e));
      else if (handler.length < 3) settle(null, out);
    } catch (e) {
      settle(e);
    }
  });
}

async function main() {
  let handler;
  try {
    handler = await loadHandler();
  } catch (e) {
    const doc = errorDoc(e, "Runtime.Unknown");
    console.error(`${new Date().toISOString()}\tundefined\tERROR\t${doc.errorType}: ${doc.errorMessage}`);
    await postJson("/init/error", doc, doc.errorType);
    process.exit(1);
  }
  for (;;) {
    const { res, body } = await request("GET", "/invocation/next");
    const requestId = res.headers["lambda-runtime-aws-request-id"];
    const trace = res.headers["lambda-runtime-trace-id"];
    if (trace) process.env._X_AMZN_TRACE_ID = trace;
    else delete process.env._X_AMZN_TRACE_ID;
    const context = makeContext(res, requestId);
    let result;
    try {
      const event = body.length ? JSON.parse(body.toString("utf8")) : undefined;
      result = await run(handler, event, context);
    } catch (e) {
      const doc = errorDoc(e);
      console.error(`${new Date().toISOString()}\t${requestId}\tERROR\tInvoke Error \t${JSON.stringify(doc)}`);
      await postJson(`/invocation/${requestId}/error`, doc, doc.errorType);
      continue;
    }
    const out = result === undefined ? "null" : JSON.stringify(result);
    await request("POST", `/invocation/${requestId}/response`, out, {
      "Content-Type": "application/json",
      "Content-Length": Buffer.byteLength(out),
    });
  }
}

main();
