"""Starts a real build/nimbus on an ephemeral port with a temporary data dir.

Every end-to-end test module uses this: one server per module (setUpModule /
tearDownModule, or a ServerTestCase subclass), real clients pointed at it.
Runs under any python3 with only the standard library; boto3 is imported by
the tests that need it.
"""

import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.request
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ACCESS_KEY = "test"
SECRET_KEY = "test"
REGION = "us-east-1"
ACCOUNT = "000000000000"


def nimbus_binary():
    return os.environ.get("NIMBUS_BIN", os.path.join(ROOT, "build", "nimbus"))


class Server:
    """One nimbus process. start() blocks until it answers /_nimbus/health."""

    def __init__(self, *extra_args, data_dir=None, port=0):
        """`port` 0: an ephemeral one. A test that restarts the server on
        its data directory passes the first start's port to the next when
        the data keeps URLs naming it (a stack's custom-resource
        ResponseURLs)."""
        self.extra_args = list(extra_args)
        self.fixed_port = port
        self.owns_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="nimbus-test-")
        self.proc = None
        self.port = None
        # Beside the data directory (not through it: it may be gone first).
        data_dir = os.path.abspath(self.data_dir)
        self.log_path = os.path.join(os.path.dirname(data_dir), os.path.basename(data_dir) + ".log")
        self.log = None

    @property
    def endpoint(self):
        return "http://127.0.0.1:%d" % self.port

    # A server that starts answers within a second or two; the sanitizer
    # build on a loaded machine has taken over 10 s to print its address.
    # The wait costs nothing when the server is quick, and one that fails
    # to start is seen at once (its first line).
    def start(self, timeout=30.0):
        self.log = open(self.log_path, "ab")
        cmd = [nimbus_binary(), "serve", "--port", str(self.fixed_port), "--data-dir", self.data_dir,
               "--log-level", os.environ.get("NIMBUS_LOG_LEVEL", "warn")] + self.extra_args
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.log)
        deadline = time.time() + timeout
        line = self.proc.stdout.readline().decode()
        m = re.search(r"listening on http://[^:]+:(\d+)", line)
        if not m:
            self.proc.kill()
            raise RuntimeError("nimbus did not start: %r (log: %s)" % (line, self.read_log()))
        self.port = int(m.group(1))
        while time.time() < deadline:
            try:
                self.health()
                return self
            except OSError:
                time.sleep(0.01)
        raise RuntimeError("nimbus did not answer /_nimbus/health")

    def health(self):
        with urllib.request.urlopen(self.endpoint + "/_nimbus/health", timeout=2) as r:
            return json.loads(r.read())

    def metrics(self):
        with urllib.request.urlopen(self.endpoint + "/_nimbus/metrics", timeout=2) as r:
            return r.read().decode()

    def read_log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def stop(self, sig=signal.SIGTERM, timeout=15.0):
        """Stops the server; returns its exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
            raise AssertionError("nimbus did not stop within %ss of signal %s" % (timeout, sig))
        finally:
            self.proc.stdout.close()
            self.proc = None
            if self.log:
                self.log.close()
        return code

    def kill9(self):
        return self.stop(signal.SIGKILL)

    def cleanup(self):
        """Stops the server and removes its log, and its data directory when
        the server made it (a test that passed its own removes that)."""
        if self.proc is not None:
            self.stop()
        if self.owns_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)
        try:
            os.unlink(self.log_path)
        except OSError:
            pass

    def client_env(self):
        """Environment for a CLI or SDK subprocess that should reach this server."""
        env = dict(os.environ)
        env.update({
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_PAGER": "",
            "AWS_CONFIG_FILE": "/dev/null",
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        })
        env.pop("AWS_PROFILE", None)
        env.pop("AWS_SESSION_TOKEN", None)
        return env

    def boto3_client(self, service, **kwargs):
        import boto3
        from botocore.config import Config
        params = dict(endpoint_url=self.endpoint, region_name=REGION,
                      aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                      config=Config(retries={"max_attempts": 1}))
        params.update(kwargs)
        return boto3.client(service, **params)

    def create_user(self, name, policy=None):
        """Creates IAM user `name` with an access key (and `policy`, a dict,
        as its inline policy "p"); returns the keyword arguments that make
        boto3_client() sign as that user."""
        import json
        iam = self.boto3_client("iam")
        iam.create_user(UserName=name)
        if policy is not None:
            iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps(policy))
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return dict(aws_access_key_id=key["AccessKeyId"],
                    aws_secret_access_key=key["SecretAccessKey"])

    def aws_cli(self, *args, check=True):
        """Runs the AWS CLI against this server; returns (exit code, stdout, stderr)."""
        aws = shutil.which("aws")
        if aws is None:
            raise unittest.SkipTest("the AWS CLI is not installed")
        if os.environ.get("NIMBUS_E2E_GENERATION") == "debian":
            # The CLI is one program whichever python runs the test: it runs
            # in the current generation only, which keeps the suite's time.
            raise unittest.SkipTest("the AWS CLI runs with the current python3's suite")
        cmd = [aws, "--endpoint-url", self.endpoint, "--output", "json"] + list(args)
        p = subprocess.run(cmd, env=self.client_env(), capture_output=True, timeout=60)
        out, err = p.stdout.decode(), p.stderr.decode()
        if check and p.returncode != 0:
            raise AssertionError("aws %s failed (%d): %s" % (" ".join(args), p.returncode, err))
        return p.returncode, out, err


class ServerTestCase(unittest.TestCase):
    """One server for the whole class, started before its first test."""

    server_args = ()

    @classmethod
    def setUpClass(cls):
        cls.server = Server(*cls.server_args).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()


def function_log(logs, function, prefix=""):
    """The messages (stripped) of Lambda function `function`'s log group that
    start with `prefix`, in (timestamp, eventId) order over every page; []
    before the group exists."""
    events, kwargs = [], {"logGroupName": "/aws/lambda/" + function}
    try:
        while True:
            page = logs.filter_log_events(**kwargs)
            events.extend(page["events"])
            if not page.get("nextToken"):
                break
            kwargs["nextToken"] = page["nextToken"]
    except logs.exceptions.ResourceNotFoundException:
        return []
    events.sort(key=lambda e: (e["timestamp"], e["eventId"]))
    return [m for m in (e["message"].strip() for e in events) if m.startswith(prefix)]


def stack_settled(cfn, stack, timeout=60.0):
    """Waits for a CloudFormation stack's operation to end (its status no
    longer *_IN_PROGRESS) and answers the stack as DescribeStacks gives it."""
    state = {}

    def done():
        state["s"] = cfn.describe_stacks(StackName=stack)["Stacks"][0]
        return not state["s"]["StackStatus"].endswith("_IN_PROGRESS")
    wait_until(done, timeout=timeout)
    return state["s"]


def execution_history(sfn, arn):
    """Every event of a Step Functions execution, following nextToken."""
    events, kwargs = [], {"executionArn": arn, "maxResults": 1000}
    while True:
        page = sfn.get_execution_history(**kwargs)
        events += page["events"]
        if not page.get("nextToken"):
            return events
        kwargs["nextToken"] = page["nextToken"]


def wait_until(pred, timeout=20.0):
    """pred()'s first truthy value within `timeout` seconds, else its last."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.1)
    return pred()


def kill9_under_load(server, writers, seconds=2.0, enough=None):
    """Runs each of `writers` on its own thread, over and over (with the call
    count: writer(0), writer(1), ...), until the server is killed with SIGKILL
    after `seconds` (or as soon as `enough()` holds). A writer makes one
    request and records what was acknowledged after the answer: a request the
    kill cut short raises and ends that writer. Returns once all have ended."""
    stop = threading.Event()

    def loop(writer):
        i = 0
        while not stop.is_set():
            try:
                writer(i)
            except Exception:
                return  # the server is gone
            i += 1

    threads = [threading.Thread(target=loop, args=(w,)) for w in writers]
    for t in threads:
        t.start()
    deadline = time.time() + seconds
    while time.time() < deadline and not (enough and enough()):
        time.sleep(0.05)
    server.kill9()
    stop.set()
    for t in threads:
        t.join()


def require_boto3():
    try:
        import boto3  # noqa: F401
    except ImportError:
        raise unittest.SkipTest("boto3 is not installed for %s" % sys.executable)


def boto3_version():
    import boto3
    return boto3.__version__


def zip_of(files):
    """A function's code: {name: text or bytes} as a zip, files mode 0644."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
    return buf.getvalue()


def rest_mock_method(rest, api_id, path_part, auth="NONE", body='{"ok": true}',
                     api_key_required=False):
    """A GET method on a new resource /`path_part` of REST API `api_id`
    whose MOCK integration answers 200 with `body`."""
    root = [r["id"] for r in rest.get_resources(restApiId=api_id)["items"]
            if r["path"] == "/"][0]
    res = rest.create_resource(restApiId=api_id, parentId=root, pathPart=path_part)["id"]
    rest.put_method(restApiId=api_id, resourceId=res, httpMethod="GET", authorizationType=auth,
                    apiKeyRequired=api_key_required)
    rest.put_integration(restApiId=api_id, resourceId=res, httpMethod="GET", type="MOCK",
                         requestTemplates={"application/json": '{"statusCode": 200}'})
    rest.put_method_response(restApiId=api_id, resourceId=res, httpMethod="GET", statusCode="200")
    rest.put_integration_response(restApiId=api_id, resourceId=res, httpMethod="GET",
                                  statusCode="200", responseTemplates={"application/json": body})


def trust_policy(service):
    """A role's trust policy letting `service` (lambda.amazonaws.com, ...) assume it."""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]})
