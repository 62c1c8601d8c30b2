# nimbus's Python runtime: the Lambda Runtime API loop for python3.x
# functions. Loads _HANDLER ("path/module.function") from LAMBDA_TASK_ROOT,
# then for each invocation calls handler(event, context) and posts the
# result, or {errorMessage, errorType, stackTrace} on an exception.
# Standard library only; one keep-alive connection to the Runtime API.
import http.client
import importlib
import json
import os
import sys
import time
import traceback

API = os.environ["AWS_LAMBDA_RUNTIME_API"]
BASE = "/2018-06-01/runtime"
_conn = http.client.HTTPConnection(API)


def _request(method, path, body=None, headers=None):
    global _conn
    for attempt in (0, 1):
        try:
            _conn.request(method, BASE + path, body=body, headers=headers or {})
            resp = _conn.getresponse()
            return resp, resp.read()
        except (http.client.HTTPException, ConnectionError):
            if attempt:
                raise
            _conn.close()
            _conn = http.client.HTTPConnection(API)


def _error_doc(exc, error_type=None):
    tb = traceback.extract_tb(exc.__traceback__)
    return {
        "errorMessage": str(exc),
        "errorType": error_type or type(exc).__name__,
        "requestId": "",
        "stackTrace": traceback.format_list(tb),
    }


def _post_json(path, doc, error_type=None):
    headers = {"Content-Type": "application/json"}
    if error_type:
        headers["Lambda-Runtime-Function-Error-Type"] = error_type
    _request("POST", path, json.dumps(doc).encode(), headers)


class Context:
    def __init__(self, request_id, deadline_ms, arn, client_context, identity):
        self.aws_request_id = request_id
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.invoked_function_arn = arn
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.client_context = json.loads(client_context) if client_context else None
        self.identity = json.loads(identity) if identity else None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(0, self._deadline_ms - int(time.time() * 1000))


def _load_handler():
    spec = os.environ.get("_HANDLER", "")
    module_path, _, func = spec.rpartition(".")
    if not module_path or not func:
        raise _InitError("Runtime.MalformedHandlerName",
                         "Bad handler '%s': not enough values to unpack (expected 2, got 1)" % spec)
    module_name = module_path.replace("/", ".")
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        raise _InitError("Runtime.ImportModuleError",
                         "Unable to import module '%s': %s" % (module_path, e))
    except SyntaxError as e:
        raise _InitError("Runtime.UserCodeSyntaxError", "Syntax error in module '%s': %s" % (module_path, e))
    handler = getattr(module, func, None)
    if handler is None:
        raise _InitError("Runtime.HandlerNotFound",
                         "Handler '%s' missing on module '%s'" % (func, module_path))
    return handler


class _InitError(Exception):
    def __init__(self, error_type, message):
        super().__init__(message)
        self.error_type = error_type


def main():
    task_root = os.environ.get("LAMBDA_TASK_ROOT", ".")
    if task_root not in sys.path:
        sys.path.insert(0, task_root)
    try:
        handler = _load_handler()
    except _InitError as e:
        print("[ERROR] %s: %s" % (e.error_type, e), flush=True)
        _post_json("/init/error", {"errorMessage": str(e), "errorType": e.error_type,
                                   "stackTrace": []}, e.error_type)
        sys.exit(1)
    except Exception as e:  # the module raised while importing
        doc = _error_doc(e)
        print("[ERROR] %s: %s" % (doc["errorType"], e), flush=True)
        _post_json("/init/error", doc, "Runtime.Unknown")
        sys.exit(1)

    while True:
        resp, body = _request("GET", "/invocation/next")
        request_id = resp.getheader("Lambda-Runtime-Aws-Request-Id")
        trace = resp.getheader("Lambda-Runtime-Trace-Id")
        if trace:
            os.environ["_X_AMZN_TRACE_ID"] = trace
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)
        ctx = Context(request_id, int(resp.getheader("Lambda-Runtime-Deadline-Ms", "0")),
                      resp.getheader("Lambda-Runtime-Invoked-Function-Arn"),
                      resp.getheader("Lambda-Runtime-Client-Context"),
                      resp.getheader("Lambda-Runtime-Cognito-Identity"))
        try:
            event = json.loads(body) if body else None
            result = handler(event, ctx)
        except Exception as e:
            doc = _error_doc(e)
            doc["requestId"] = request_id
            print("[ERROR] %s: %s" % (doc["errorType"], e), flush=True)
            _post_json("/invocation/%s/error" % request_id, doc, doc["errorType"])
            continue
        try:
            payload = json.dumps(result).encode()
        except (TypeError, ValueError) as e:
            _post_json("/invocation/%s/error" % request_id,
                       {"errorMessage": "Unable to marshal response: %s" % e,
                        "errorType": "Runtime.MarshalError", "requestId": request_id,
                        "stackTrace": []}, "Runtime.MarshalError")
            continue
        _request("POST", "/invocation/%s/response" % request_id, payload,
                 {"Content-Type": "application/json"})


if __name__ == "__main__":
    main()
