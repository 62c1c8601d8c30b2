// nimbus's Node.js runtime: the Lambda Runtime API loop for nodejs18.x,
// 20.x and 22.x. Loads _HANDLER ("path/file.function") from LAMBDA_TASK_ROOT
// as an ES module or CommonJS (.mjs, .cjs, .js), supports async handlers and
// callback handlers (event, context, callback), and reports errors as
// {errorMessage, errorType, stackTrace}. Built-in modules only.
//
// Start-up is most of a cold start: this file is CommonJS, so a CommonJS
// handler never starts the ES module loader (import() is used only for
// .mjs files and packages of "type": "module"), and the Runtime API client
// is a small HTTP/1.1 client on one net.Socket rather than node:http. Each
// result goes out with the next GET /invocation/next in one write, and
// nimbus answers both with the next event (src/runtime/README.md, "Warm
// invoke").
"use strict";
const net = require("node:net");
const fs = require("node:fs");
const path = require("node:path");

const BASE = "/2018-06-01/runtime";

// ---- Runtime API client ----------------------------------------------------------
// One keep-alive connection, one request at a time.
class Api {
  constructor(address) {
    const colon = address.lastIndexOf(":");
    this.hostHeader = address;
    this.host = address.slice(0, colon).replace(/^\[|\]$/g, "");
    this.port = Number(address.slice(colon + 1));
    this.socket = null;
    this.chunks = [];
    this.buffered = 0;
    this.head = null; // the parsed status line and headers of the response in progress
    this.waiter = null; // {resolve, reject, answers, posted} of the write in flight
  }

  encode(method, urlPath, body = "", headers = "") {
    const payload = typeof body === "string" ? Buffer.from(body) : body;
    const head =
      `${method} ${BASE}${urlPath} HTTP/1.1\r\nHost: ${this.hostHeader}\r\n` +
      `Content-Length: ${payload.length}\r\n${headers}\r\n`;
    return Buffer.concat([Buffer.from(head, "latin1"), payload]);
  }

  request(method, urlPath, body = "", headers = "") {
    const data = this.encode(method, urlPath, body, headers);
    const reused = this.socket !== null;
    return this.exchange(data, 1).catch((err) => {
      // A kept-alive connection the server has since closed is retried once.
      if (!reused) throw err;
      return this.exchange(data, 1);
    });
  }

  // POSTs an invocation's result and asks for the next invocation in one
  // write (HTTP/1.1 pipelining): nimbus answers both together, so the loop
  // writes once and wakes once per invocation. Resolves with the /next answer.
  postThenNext(urlPath, body, headers) {
    this.next ??= this.encode("GET", "/invocation/next");
    const data = Buffer.concat([this.encode("POST", urlPath, body, headers), this.next]);
    const reused = this.socket !== null;
    // Once the POST is answered, a closed connection costs only the /next.
    const again = (err) => {
      if (err.posted) return this.request("GET", "/invocation/next");
      throw err;
    };
    return this.exchange(data, 2)
      .catch((err) => {
        if (err.posted || !reused) return again(err);
        return this.exchange(data, 2).catch(again);
      });
  }

  // Writes `data` and resolves with the last of its `answers` responses.
  exchange(data, answers) {
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject, answers, posted: false };
      if (!this.socket) this.connect();
      this.socket.write(data);
    });
  }

  connect() {
    const socket = net.connect(this.port, this.host);
    socket.setNoDelay(true);
    socket.on("data", (chunk) => {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      this.parse();
    });
    const fail = (err) => {
      if (this.socket !== socket) return; // a connection we already let go
      this.reset();
      this.failWaiter(err);
    };
    socket.on("error", fail);
    socket.on("close", () => fail(null));
    this.socket = socket;
  }

  reset() {
    if (this.socket) this.socket.destroy();
    this.socket = null;
    this.chunks = [];
    this.buffered = 0;
    this.head = null;
  }

  failWaiter(err) {
    const w = this.waiter;
    this.waiter = null;
    if (!w) return;
    const e = err || new Error("runtime API closed the connection");
    e.posted = w.posted; // a pipelined POST was answered before the failure
    w.reject(e);
  }

  // Completes the request in flight once its whole response (or, pipelined,
  // responses) has arrived.
  parse() {
    while (this.waiter) {
      if (!this.head && !this.parseHead()) return;
      const { status, headers, bodyStart, length } = this.head;
      if (length >= 0 && this.buffered < bodyStart + length) return;
      const buf = this.take();
      let body;
      let consumed;
      if (length >= 0) {
        body = buf.subarray(bodyStart, bodyStart + length);
        consumed = bodyStart + length;
      } else {
        [body, consumed] = unchunk(buf, bodyStart);
        if (!body) return;
      }
      const rest = buf.subarray(consumed);
      this.chunks = rest.length ? [rest] : [];
      this.buffered = rest.length;
      this.head = null;
      const closing = (headers.connection || "").toLowerCase() === "close";
      if (closing) this.reset();
      const w = this.waiter;
      if (--w.answers > 0) {
        w.posted = true;
        if (closing) return this.failWaiter(null);
        continue;
      }
      this.waiter = null;
      w.resolve({ status, headers, body });
    }
  }

  parseHead() {
    const buf = this.take();
    const end = buf.indexOf("\r\n\r\n");
    if (end < 0) return false;
    const lines = buf.toString("latin1", 0, end).split("\r\n");
    const headers = {};
    for (let i = 1; i < lines.length; i++) {
      const colon = lines[i].indexOf(":");
      if (colon > 0) headers[lines[i].slice(0, colon).trim().toLowerCase()] = lines[i].slice(colon + 1).trim();
    }
    const chunked = (headers["transfer-encoding"] || "").toLowerCase() === "chunked";
    this.head = {
      status: Number(lines[0].split(" ")[1]),
      headers,
      bodyStart: end + 4,
      length: chunked ? -1 : Number(headers["content-length"] || 0),
    };
    return true;
  }

  // Everything received so far, as one buffer.
  take() {
    if (this.chunks.length !== 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0];
  }
}

// A chunked body starting at `at`: [body, end offset], or [null] if incomplete.
function unchunk(buf, at) {
  const parts = [];
  for (;;) {
    const eol = buf.indexOf("\r\n", at);
    if (eol < 0) return [null];
    const size = parseInt(buf.toString("latin1", at, eol), 16);
    if (size === 0) {
      const end = buf.indexOf("\r\n\r\n", eol);
      return end < 0 ? [null] : [Buffer.concat(parts), end + 4];
    }
    if (buf.length < eol + 2 + size + 2) return [null];
    parts.push(buf.subarray(eol + 2, eol + 2 + size));
    at = eol + 4 + size;
  }
}

const api = new Api(process.env.AWS_LAMBDA_RUNTIME_API);

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
  let headers = "Content-Type: application/json\r\n";
  if (errorType) headers += `Lambda-Runtime-Function-Error-Type: ${errorType}\r\n`;
  return api.request("POST", urlPath, JSON.stringify(doc), headers);
}

// ---- Handler ---------------------------------------------------------------------

class InitError extends Error {
  constructor(type, message) {
    super(message);
    this.name = type;
  }
}

// Whether `file` (.js) belongs to a package of "type": "module".
function isModulePackage(file) {
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    try {
      return JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")).type === "module";
    } catch (e) {
      if (e.code !== "ENOENT" && e.code !== "ENOTDIR") return false;
    }
    if (path.dirname(dir) === dir) return false;
  }
}

function loadModule(file) {
  const esm = file.endsWith(".mjs") || (file.endsWith(".js") && isModulePackage(file));
  if (!esm) return require(file);
  const { pathToFileURL } = require("node:url");
  return import(pathToFileURL(file).href);
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
    mod = await loadModule(file);
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

// The context's fixed part, read once.
const env = process.env;
const fixed = {
  functionName: env.AWS_LAMBDA_FUNCTION_NAME,
  functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
  memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
  logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
  logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
};

// A JSON header value (the service decodes Invoke's base64 ClientContext).
// Heads are read as latin1: the value's bytes are UTF-8.
function headerJson(v) {
  return v ? JSON.parse(Buffer.from(v, "latin1").toString("utf8")) : undefined;
}

function makeContext(h, requestId) {
  const deadline = Number(h["lambda-runtime-deadline-ms"] || 0);
  return {
    callbackWaitsForEmptyEventLoop: true,
    awsRequestId: requestId,
    functionName: fixed.functionName,
    functionVersion: fixed.functionVersion,
    memoryLimitInMB: fixed.memoryLimitInMB,
    invokedFunctionArn: h["lambda-runtime-invoked-function-arn"],
    logGroupName: fixed.logGroupName,
    logStreamName: fixed.logStreamName,
    clientContext: headerJson(h["lambda-runtime-client-context"]),
    identity: headerJson(h["lambda-runtime-cognito-identity"]),
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
  let next = await api.request("GET", "/invocation/next");
  for (;;) {
    next = await api.postThenNext(...(await invoke(handler, next)));
  }
}

// Runs one invocation: the path, body and headers of the POST that reports
// its result or error.
async function invoke(handler, { headers, body }) {
  const requestId = headers["lambda-runtime-aws-request-id"];
  const trace = headers["lambda-runtime-trace-id"];
  if (trace) env._X_AMZN_TRACE_ID = trace;
  else delete env._X_AMZN_TRACE_ID;
  let result;
  try {
    const context = makeContext(headers, requestId);
    const event = body.length ? JSON.parse(body.toString("utf8")) : undefined;
    result = await run(handler, event, context);
  } catch (e) {
    const doc = errorDoc(e);
    console.error(`${new Date().toISOString()}\t${requestId}\tERROR\tInvoke Error \t${JSON.stringify(doc)}`);
    return errorPost(requestId, doc);
  }
  try {
    const out = result === undefined ? "null" : JSON.stringify(result);
    return [`/invocation/${requestId}/response`, out, JSON_HEADERS];
  } catch (e) {
    // As Lambda's Node runtime: the environment lives on.
    const doc = { errorType: "Runtime.MarshalError", errorMessage: `Unable to stringify response body: ${e.message}`, trace: [] };
    return errorPost(requestId, doc);
  }
}

const JSON_HEADERS = "Content-Type: application/json\r\n";

function errorPost(requestId, doc) {
  return [`/invocation/${requestId}/error`, JSON.stringify(doc),
    `${JSON_HEADERS}Lambda-Runtime-Function-Error-Type: ${doc.errorType}\r\n`];
}

main();
