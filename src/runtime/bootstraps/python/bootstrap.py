# nimbus's Python runtime: the Lambda Runtime API loop for python3.x
# functions. Loads _HANDLER ("path/module.function") from LAMBDA_TASK_ROOT,
# then for each invocation calls handler(event, context) and posts the
# result, or {errorMessage, errorType, stackTrace} on an exception.
#
# Start-up is most of a cold start, so this file imports built-in modules
# only: the Runtime API client is a small HTTP/1.1 client on _socket
# (http.client pulls in email, ssl and more: ~35 ms), JSON goes through the
# C accelerator _json directly (the json package imports re and compiles
# regular expressions), and traceback is imported only to report an error.
# `python3 -X importtime` shows what a change costs.
#
# A warm invoke is mostly system calls and wake-ups: the loop sends each
# result and its next GET /invocation/next in one write, and nimbus answers
# the POST together with the next event (src/runtime/README.md, "Warm
# invoke"); bench/runtime_loop_bench.py measures it.
import _socket
import os
import sys
import time

try:
    from _json import encode_basestring_ascii as _c_ascii
    from _json import make_encoder as _c_make_encoder
    from _json import make_scanner as _c_make_scanner
except ImportError:  # an interpreter without the accelerator: the json package
    _c_make_scanner = None

BASE = "/2018-06-01/runtime"


# ---- JSON ----------------------------------------------------------------------
# Same results as json.loads / json.dumps with their defaults; anything the
# fast path rejects is handed to the json package for its exact error.

class _ScanOptions:
    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = {"NaN": float("nan"), "Infinity": float("inf"),
                      "-Infinity": float("-inf")}.__getitem__
    memo = None


def _not_serializable(o):
    raise TypeError("Object of type %s is not JSON serializable" % type(o).__name__)


_scan = _encode = None
# The encoder's record of the containers it is inside (for json's "Circular
# reference detected"): empty again after every encoding that succeeds.
_markers = {}
if _c_make_scanner is not None:
    try:
        _scan = _c_make_scanner(_ScanOptions())
        _encode = _c_make_encoder(_markers, _not_serializable, _c_ascii, None, ": ", ", ",
                                  False, False, True)
    except TypeError:  # another signature: use the json package
        _scan = _encode = None


def _loads(data):
    if _scan is not None:
        try:
            s = data.decode("utf-8").strip(" \t\n\r")
            value, end = _scan(s, 0)
            if end == len(s):
                return value
        except (UnicodeDecodeError, StopIteration):
            pass
    import json
    return json.loads(data)


def _dumps(value):
    if _encode is not None:
        try:
            return "".join(_encode(value, 0))
        except (TypeError, ValueError, RecursionError):
            _markers.clear()
    import json
    return json.dumps(value)


# ---- Runtime API client --------------------------------------------------------

class _Api:
    """One keep-alive HTTP/1.1 connection to AWS_LAMBDA_RUNTIME_API."""

    def __init__(self, address):
        host, _, port = address.rpartition(":")
        self.host = address
        self.family = _socket.AF_INET6 if ":" in host else _socket.AF_INET
        self.addr = (host.strip("[]"), int(port))
        self.sock = None
        self.buf = bytearray()
        self._next = self._head("GET", "/invocation/next", 0)

    def close(self):
        if self.sock is not None:
            self.sock.close()
        self.sock = None
        self.buf = bytearray()

    def _head(self, method, path, length, headers=""):
        return ("%s %s%s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n%s\r\n"
                % (method, BASE, path, self.host, length, headers)).encode("latin-1")

    def request(self, method, path, body=b"", headers=""):
        return self._send(self._head(method, path, len(body), headers) + body)

    def post_then_next(self, path, body, headers):
        """POSTs an invocation's result and asks for the next invocation in
        one write (HTTP/1.1 pipelining): one send and, when the server holds
        the POST's answer back until the next invocation (nimbus does), one
        wake-up per invocation. Returns the /next answer."""
        # A POST resent after a failure that the server had taken is
        # answered 400, which changes nothing.
        self._send(self._head("POST", path, len(body), headers) + body + self._next)
        try:
            return self._response()
        except OSError:  # the long poll's connection was closed: ask again
            self.close()
            return self.request("GET", "/invocation/next")

    def _send(self, data):
        """Sends data and reads one answer."""
        # A kept-alive connection the server has since closed is retried once.
        reused = self.sock is not None
        try:
            if not reused:
                self._connect()
            self.sock.sendall(data)
            return self._response()
        except OSError:
            self.close()
            if not reused:
                raise
        self._connect()
        self.sock.sendall(data)
        return self._response()

    def _connect(self):
        s = _socket.socket(self.family, _socket.SOCK_STREAM)
        s.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
        try:
            s.connect(self.addr)
        except OSError:
            s.close()
            raise
        self.sock = s

    def _fill(self, need):
        while len(self.buf) < need:
            chunk = self.sock.recv(max(65536, need - len(self.buf)))
            if not chunk:
                raise ConnectionResetError("runtime API closed the connection")
            self.buf += chunk

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line = bytes(self.buf[:i])
                del self.buf[:i + 2]
                return line
            self._fill(len(self.buf) + 1)

    def _take(self, n):
        self._fill(n)
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def _response(self):
        # The whole head is taken and split at once: a line at a time costs
        # a dozen interpreted calls per answer (bench/runtime_loop_bench.py).
        buf = self.buf
        end = buf.find(b"\r\n\r\n")
        while end < 0:
            searched = max(0, len(buf) - 3)
            self._fill(len(buf) + 1)
            buf = self.buf
            end = buf.find(b"\r\n\r\n", searched)
        lines = buf[:end].decode("latin-1").split("\r\n")
        del buf[:end + 4]
        status_line = lines[0]
        parts = status_line.split(None, 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/"):
            raise ConnectionError("bad status line from the runtime API: %r" % status_line)
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self._line().split(b";", 1)[0], 16)
                if size == 0:
                    while self._line():
                        pass
                    break
                chunks.append(self._take(size))
                self._line()
            body = b"".join(chunks)
        elif "content-length" in headers:
            body = self._take(int(headers["content-length"]))
        else:  # delimited by the end of the connection
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    break
                self.buf += chunk
            body = bytes(self.buf)
            self.close()
        if headers.get("connection", "").lower() == "close" or parts[0] == "HTTP/1.0":
            self.close()
        return int(parts[1]), headers, body


_api = _Api(os.environ["AWS_LAMBDA_RUNTIME_API"])


def _post_json(path, doc, error_type=None):
    headers = "Content-Type: application/json\r\n"
    if error_type:
        headers += "Lambda-Runtime-Function-Error-Type: %s\r\n" % error_type
    _api.request("POST", path, _dumps(doc).encode(), headers)


def _error_doc(exc, error_type=None):
    import traceback
    tb = traceback.extract_tb(exc.__traceback__)
    return {
        "errorMessage": str(exc),
        "errorType": error_type or type(exc).__name__,
        "requestId": "",
        "stackTrace": traceback.format_list(tb),
    }


# ---- Context ---------------------------------------------------------------------

def _header_json(value):
    """A JSON header value (the service decodes Invoke's base64 ClientContext)."""
    return _loads(value.encode("latin-1")) if value else None


class _ClientContext:
    def __init__(self, doc):
        self.client = doc.get("client")
        self.custom = doc.get("custom")
        self.env = doc.get("env")


class _CognitoIdentity:
    def __init__(self, doc):
        self.cognito_identity_id = doc.get("cognitoIdentityId")
        self.cognito_identity_pool_id = doc.get("cognitoIdentityPoolId")


class Context:
    _env = os.environ
    function_name = _env.get("AWS_LAMBDA_FUNCTION_NAME")
    function_version = _env.get("AWS_LAMBDA_FUNCTION_VERSION")
    memory_limit_in_mb = _env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
    log_group_name = _env.get("AWS_LAMBDA_LOG_GROUP_NAME")
    log_stream_name = _env.get("AWS_LAMBDA_LOG_STREAM_NAME")

    def __init__(self, request_id, deadline_ms, arn, client_context, identity):
        self.aws_request_id = request_id
        self.invoked_function_arn = arn
        cc = _header_json(client_context)
        # Objects, as Lambda's Python runtime gives them: context.client_context.custom,
        # context.identity.cognito_identity_id (None when the caller sent none).
        self.client_context = _ClientContext(cc) if isinstance(cc, dict) else None
        self.identity = _CognitoIdentity(_header_json(identity) or {})
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(0, self._deadline_ms - int(time.time() * 1000))


# ---- Handler -------------------------------------------------------------------

class _InitError(Exception):
    def __init__(self, error_type, message):
        super().__init__(message)
        self.error_type = error_type


def _load_handler():
    spec = os.environ.get("_HANDLER", "")
    module_path, _, func = spec.rpartition(".")
    if not module_path or not func:
        raise _InitError("Runtime.MalformedHandlerName",
                         "Bad handler '%s': not enough values to unpack (expected 2, got 1)" % spec)
    module_name = module_path.replace("/", ".")
    try:
        __import__(module_name)
        module = sys.modules[module_name]
    except ImportError as e:
        raise _InitError("Runtime.ImportModuleError",
                         "Unable to import module '%s': %s" % (module_path, e))
    except SyntaxError as e:
        raise _InitError("Runtime.UserCodeSyntaxError",
                         "Syntax error in module '%s': %s" % (module_path, e))
    handler = getattr(module, func, None)
    if handler is None:
        raise _InitError("Runtime.HandlerNotFound",
                         "Handler '%s' missing on module '%s'" % (func, module_path))
    return handler


class _EndpointShim:
    """botocore older than 1.31 ignores AWS_ENDPOINT_URL; newer SDKs, and the
    ones Lambda's runtimes ship, honour it. The host's python3 may carry such a
    botocore (Debian 12 has 1.29), so when a function imports it, its clients
    default to the endpoint nimbus set (service-specific AWS_ENDPOINT_URL_<ID>
    first, as the SDKs do) and the function's own calls reach nimbus. Nothing
    is imported unless the function imports botocore."""

    def find_spec(self, name, path=None, target=None):
        if name != "botocore.session":
            return None
        sys.meta_path.remove(self)
        from importlib.machinery import PathFinder
        spec = PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        run = spec.loader.exec_module

        def exec_module(module):
            run(module)
            _default_endpoint(module.Session)

        spec.loader.exec_module = exec_module
        return spec


def _default_endpoint(session_class):
    import botocore
    try:
        version = tuple(int(p) for p in botocore.__version__.split(".")[:2])
    except ValueError:
        return
    if version >= (1, 31):
        return
    create = session_class.create_client

    def create_client(self, service_name, *args, **kwargs):
        given = args[4] if len(args) > 4 else kwargs.get("endpoint_url")
        if given is None and os.environ.get(
                "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").lower() != "true":
            service = service_name.upper().replace("-", "_").replace(" ", "_")
            url = (os.environ.get("AWS_ENDPOINT_URL_" + service)
                   or os.environ.get("AWS_ENDPOINT_URL"))
            if url:
                if len(args) > 4:
                    args = args[:4] + (url,) + args[5:]
                else:
                    kwargs["endpoint_url"] = url
        return create(self, service_name, *args, **kwargs)

    session_class.create_client = create_client


def main():
    if os.environ.get("AWS_ENDPOINT_URL"):
        sys.meta_path.insert(0, _EndpointShim())
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

    _, h, body = _api.request("GET", "/invocation/next")
    while True:
        _, h, body = _api.post_then_next(*_invoke(handler, h, body))


_JSON_HEADERS = "Content-Type: application/json\r\n"


# Whether the environment holds _X_AMZN_TRACE_ID, asked without raising:
# `name in os.environ` (Mapping.__contains__) raises and catches a KeyError
# inside, on every invoke without a trace id (6% of a warm invoke's
# instructions). CPython's os.environ keeps its encoded names in `_data`.
try:
    _ENV_NAMES, _TRACE_NAME = os.environ._data, os.environ.encodekey("_X_AMZN_TRACE_ID")
except AttributeError:
    _ENV_NAMES, _TRACE_NAME = os.environ, "_X_AMZN_TRACE_ID"


def _invoke(handler, h, body, environ=os.environ):
    """Runs one invocation: the path, body and headers of the POST that
    reports its result or error."""
    request_id = h.get("lambda-runtime-aws-request-id")
    trace = h.get("lambda-runtime-trace-id")
    if trace:
        environ["_X_AMZN_TRACE_ID"] = trace
    elif _TRACE_NAME in _ENV_NAMES:
        del environ["_X_AMZN_TRACE_ID"]
    try:
        ctx = Context(request_id, int(h.get("lambda-runtime-deadline-ms", "0")),
                      h.get("lambda-runtime-invoked-function-arn"),
                      h.get("lambda-runtime-client-context"),
                      h.get("lambda-runtime-cognito-identity"))
        event = _loads(body) if body else None
        result = handler(event, ctx)
    except Exception as e:
        doc = _error_doc(e)
        doc["requestId"] = request_id
        print("[ERROR] %s: %s" % (doc["errorType"], e), flush=True)
        return _error_post(request_id, doc)
    try:
        return "/invocation/%s/response" % request_id, _dumps(result).encode(), _JSON_HEADERS
    except (TypeError, ValueError) as e:
        return _error_post(request_id, {"errorMessage": "Unable to marshal response: %s" % e,
                                        "errorType": "Runtime.MarshalError",
                                        "requestId": request_id, "stackTrace": []})


def _error_post(request_id, doc):
    return ("/invocation/%s/error" % request_id, _dumps(doc).encode(),
            _JSON_HEADERS + "Lambda-Runtime-Function-Error-Type: %s\r\n" % doc["errorType"])

if __name__ == "__main__":
    main()
