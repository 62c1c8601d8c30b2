"""The function sandbox from inside: a probe function tries each way out and
reports what it saw; the tests assert that each one is blocked.

What the machine supports decides what is asserted: the server prints its
isolation at start-up ("lambda isolation: ..."), and a feature this machine
cannot give (no mount or PID namespace, no cgroup, not root) is skipped with
that reason in the test output, never asserted weaker in silence."""

import hashlib
import io
import json
import os
import re
import sys
import time
import unittest
import zipfile

from harness import ACCOUNT, SECRET_KEY, Server, require_boto3

ROLE = "arn:aws:iam::%s:role/probe-role" % ACCOUNT
# Put in the server's own environment: the function must never see it.
SERVER_MARKER = "nimbus-server-env-marker-%d" % os.getpid()

PROBE = r'''
import ctypes, errno, json, os, socket

libc = ctypes.CDLL(None, use_errno=True)


def attempt(fn):
    try:
        value = fn()
        return {"ok": True, "value": value}
    except OSError as e:
        return {"ok": False, "error": type(e).__name__, "errno": e.errno}
    except Exception as e:
        return {"ok": False, "error": type(e).__name__, "errno": None}


def read(path, n=1 << 20):
    with open(path, "rb") as f:
        return f.read(n).decode("latin-1")


def write(path):
    with open(path, "w") as f:
        f.write("probe")
    return "written"


def cfail(rc):
    if rc != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return rc


def all_cmdlines():
    out = {}
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                out[p] = read("/proc/%s/cmdline" % p).replace("\0", " ").strip()
            except OSError:
                pass
    return out


def connect(url):
    host, port = url.split("//", 1)[1].rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=3)
    s.close()
    return "connected"


def reach(host, port):
    s = socket.create_connection((host, port), timeout=3)
    s.close()
    return "connected"


def net_devices():
    return sorted(line.split(":")[0].strip() for line in read("/proc/net/dev").splitlines()[2:])


def sdk_call():
    # Signed with the execution role's session, through AWS_ENDPOINT_URL
    # (the bootstrap's hook points Debian's older botocore at it).
    import boto3
    return boto3.client("sts").get_caller_identity()["Arn"]


def other_runtime_apis():
    # Every loopback listener but our own Runtime API and nimbus's endpoint;
    # a Runtime API answers an unknown path at once with its error document.
    own = int(os.environ["AWS_LAMBDA_RUNTIME_API"].rsplit(":", 1)[1])
    nimbus = int(os.environ["AWS_ENDPOINT_URL"].rsplit(":", 1)[1])
    ports = set()
    for line in read("/proc/net/tcp").splitlines()[1:]:
        f = line.split()
        if f[3] == "0A" and f[1].startswith("0100007F:"):
            ports.add(int(f[1].split(":")[1], 16))
    answered, tried = [], 0
    for port in sorted(ports - {own, nimbus}):
        tried += 1
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=1)
            s.settimeout(1)
            s.sendall(b"GET /2018-06-01/runtime/probe HTTP/1.1\r\nHost: x\r\n\r\n")
            data = s.recv(4096).decode("latin-1")
            s.close()
            if '"errorType":"NotFound"' in data:
                answered.append(port)
        except OSError:
            pass
    return {"tried": tried, "answered": answered}


def handler(event, context):
    out = {"uid": os.getuid(), "euid": os.geteuid(), "gid": os.getgid(),
           "groups": os.getgroups(), "pid": os.getpid(), "env": dict(os.environ)}
    out["proc1_cmdline"] = attempt(lambda: read("/proc/1/cmdline").replace("\0", " ").strip())
    out["proc1_environ"] = attempt(lambda: read("/proc/1/environ"))
    out["proc1_fd"] = attempt(lambda: os.listdir("/proc/1/fd"))
    out["proc1_maps"] = attempt(lambda: read("/proc/1/maps"))
    out["cmdlines"] = attempt(all_cmdlines)
    out["shadow"] = attempt(lambda: read("/etc/shadow"))
    out["data_dir"] = attempt(lambda: os.listdir(event["data_dir"]))
    out["other_code"] = attempt(lambda: os.listdir(event["other_code"]))
    out["writes"] = {p: attempt(lambda p=p: write(p)) for p in
                     ["/var/task/probe", "/etc/probe", "/usr/probe", "/probe", "/var/runtime/probe",
                      "/opt/probe", "/dev/probe"]}
    out["tmp_write"] = attempt(lambda: write("/tmp/probe-" + event["tag"]))
    out["tmp_list"] = attempt(lambda: sorted(os.listdir("/tmp")))
    out["setuid0"] = attempt(lambda: os.setuid(0))
    out["mount"] = attempt(lambda: cfail(libc.mount(b"none", b"/tmp", b"tmpfs", 0, None)))
    out["unshare"] = attempt(lambda: cfail(libc.unshare(0x00020000)))  # CLONE_NEWNS
    out["ptrace"] = attempt(lambda: cfail(libc.ptrace(16, 1, None, None)))  # PTRACE_ATTACH init
    out["endpoint"] = attempt(lambda: connect(os.environ["AWS_ENDPOINT_URL"]))
    out["other_runtime_apis"] = attempt(other_runtime_apis)
    out["own_runtime_api"] = attempt(lambda: connect("http://" + os.environ["AWS_LAMBDA_RUNTIME_API"]))
    out["net_devices"] = attempt(net_devices)
    out["sdk_call"] = attempt(sdk_call)
    out["outside"] = {"%s:%d" % (h, p): attempt(lambda h=h, p=p: reach(h, p))
                      for h, p in event.get("outside", [])}
    return out
'''

# Starts threads (tasks, as processes are: the limit counts both) until the
# kernel refuses; each sleeps. Threads, not forks: a loaded CI machine forks
# a Python process a few dozen times a second.
TASKS = r'''
import _thread, threading, time
def handler(event, context):
    threading.stack_size(65536)
    n, err, start = 0, None, time.time()
    while time.time() - start < event["seconds"]:
        try:
            _thread.start_new_thread(time.sleep, (60,))
        except RuntimeError as e:
            err = str(e)
            break
        n += 1
    return {"started": n, "error": err}
'''

# A real fork bomb: every process forks for ever.
BOMB = r'''
import os
def handler(event, context):
    while True:
        try:
            os.fork()
        except OSError:
            pass
'''

HOG = r'''
def handler(event, context):
    chunks = []
    while True:
        chunks.append(bytearray(8 << 20))
        for i in range(0, len(chunks[-1]), 4096):
            chunks[-1][i] = 1
'''

# Processes spinning for a while; reports the CPU time they got against the
# wall time they took.
CPU = r'''
import os, time
def handler(event, context):
    start = time.time()
    pids = []
    for _ in range(event["processes"]):
        pid = os.fork()
        if pid == 0:
            end = time.time() + event["seconds"]
            while time.time() < end:
                pass
            os._exit(0)
        pids.append(pid)
    for pid in pids:
        os.waitpid(pid, 0)
    t = os.times()
    return {"wall": time.time() - start, "cpu": t.children_user + t.children_system}
'''

OK = "def handler(event, context):\n    return 'still serving'\n"


def outside_address():
    """This machine's first IPv4 address not on loopback, or None."""
    import fcntl
    import socket
    import struct
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        for _, name in socket.if_nameindex():
            if name == "lo":
                continue
            try:
                packed = fcntl.ioctl(s.fileno(), 0x8915,  # SIOCGIFADDR
                                     struct.pack("256s", name.encode()[:15]))
                return socket.inet_ntoa(packed[20:24])
            except OSError:
                pass
    finally:
        s.close()
    return None


class OutsideListener:
    """A TCP listener on every host address: what a function outside
    nimbus could reach. Connections complete in the kernel's backlog."""

    def __init__(self):
        import socket
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("0.0.0.0", 0))
        self.sock.listen(16)
        port = self.sock.getsockname()[1]
        self.targets = [("127.0.0.1", port)]
        address = outside_address()
        if address:
            self.targets.append((address, port))

    def close(self):
        self.sock.close()


def make_zip(source):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo("app.py")
        info.external_attr = (0o100644) << 16
        z.writestr(info, source)
    return buf.getvalue()


def setUpModule():
    require_boto3()


class SandboxTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        saved = dict(os.environ)
        os.environ["NIMBUS_SANDBOX_TEST_MARKER"] = SERVER_MARKER
        os.environ["NIMBUS_LOG_LEVEL"] = "info"  # for the "lambda isolation:" line
        try:
            cls.server = Server().start()
        finally:
            os.environ.clear()
            os.environ.update(saved)
        cls.lam = cls.server.boto3_client("lambda")
        line = ""
        for _ in range(50):
            m = re.search(r"lambda isolation: (.*)", cls.server.read_log())
            if m:
                line = m.group(1)
                break
            time.sleep(0.1)
        cls.isolation = line
        sys.stderr.write("\n[sandbox] isolation on this machine: %s\n" % line)
        cls.outside = OutsideListener()
        cls.probe_zip = make_zip(PROBE)
        cls.create("probe-a", cls.probe_zip)
        cls.create("probe-b", make_zip(PROBE + "\n# another function\n"))
        cls.create("healthy", make_zip(OK))
        cls.a = cls.invoke("probe-a", cls.probe_event("a"))
        cls.b = cls.invoke("probe-b", cls.probe_event("b"))
        cls.a2 = cls.invoke("probe-a", cls.probe_event("a"))  # while b's environment is warm

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()
        cls.outside.close()

    @classmethod
    def create(cls, name, code, **kw):
        args = dict(FunctionName=name, Runtime="python3.11", Role=ROLE, Handler="app.handler",
                    Code={"ZipFile": code}, Timeout=30)
        args.update(kw)
        cls.lam.create_function(**args)

    @classmethod
    def invoke(cls, name, event=None):
        r = cls.lam.invoke(FunctionName=name, Payload=json.dumps(event or {}).encode(),
                           LogType="Tail")
        body = json.loads(r["Payload"].read())
        return {"error": r.get("FunctionError"), "body": body,
                "log": __import__("base64").b64decode(r.get("LogResult", "")).decode()}

    @classmethod
    def probe_event(cls, tag):
        other = hashlib.sha256(cls.probe_zip).hexdigest()
        return {"tag": tag, "data_dir": cls.server.data_dir,
                "other_code": os.path.join(cls.server.data_dir, "lambda", "code", other),
                "outside": cls.outside.targets}

    def has(self, word):
        return re.search(r"(^|[\s:;])%s\b" % re.escape(word), self.isolation) is not None

    def need(self, feature, why):
        if not self.has(feature):
            self.skipTest("this machine cannot: %s (isolation: %s)" % (why, self.isolation))

    def seen(self, key, probe=None):
        r = (probe or self.a)
        self.assertIsNone(r["error"], r["body"])
        return r["body"][key]

    def assertBlocked(self, result, what):
        self.assertFalse(result["ok"], "%s was not blocked: %r" % (what, result))

    # --- the server is not visible -----------------------------------------

    def test_pid1_is_nimbus_init_not_the_server(self):
        self.need("pid", "a PID namespace")
        cmdline = self.seen("proc1_cmdline")
        self.assertTrue(cmdline["ok"], cmdline)
        self.assertTrue(cmdline["value"].startswith("/var/runtime/nimbus-init "), cmdline)
        self.assertNotIn("serve", cmdline["value"])
        self.assertNotIn("--secret-key", cmdline["value"])
        for what in ("proc1_environ", "proc1_fd", "proc1_maps"):
            self.assertBlocked(self.seen(what), "/proc/1 " + what)

    def test_no_process_shows_the_server(self):
        self.need("pid", "a PID namespace")
        cmdlines = self.seen("cmdlines")["value"]
        self.assertLessEqual(set(cmdlines), {"1", "2"}, cmdlines)
        for cmd in cmdlines.values():
            self.assertNotIn("--data-dir", cmd)
            self.assertNotIn(" serve ", " " + cmd + " ")

    def test_server_environment_and_root_secret_are_not_passed(self):
        env = self.seen("env")
        self.assertNotIn("NIMBUS_SANDBOX_TEST_MARKER", env)
        self.assertNotIn(SERVER_MARKER, json.dumps(self.a["body"]))
        self.assertNotEqual(env.get("AWS_SECRET_ACCESS_KEY"), SECRET_KEY,
                            "the function got the server's root secret")

    # --- unprivileged, read-only, private ------------------------------------

    def test_runs_unprivileged(self):
        self.need("uid/gid", "switching to an unprivileged user (nimbus is not root)")
        self.assertNotEqual(self.seen("uid"), 0)
        self.assertNotEqual(self.seen("euid"), 0)
        self.assertNotEqual(self.seen("gid"), 0)
        self.assertEqual(self.seen("groups"), [])
        self.assertNotEqual(self.a["body"]["uid"], self.b["body"]["uid"],
                            "two environments share a uid")
        self.assertBlocked(self.seen("setuid0"), "setuid(0)")

    def test_host_secrets_and_data_are_unreadable(self):
        self.assertBlocked(self.seen("shadow"), "reading /etc/shadow")
        self.need("mount", "a mount namespace")
        self.assertBlocked(self.seen("data_dir"), "listing the data directory")
        self.assertBlocked(self.seen("other_code"), "listing another function's code")

    def test_filesystem_is_read_only_outside_tmp(self):
        self.need("mount", "a mount namespace")
        for path, result in self.seen("writes").items():
            self.assertBlocked(result, "writing " + path)
        self.assertTrue(self.seen("tmp_write")["ok"], self.seen("tmp_write"))

    def test_tmp_is_private_to_the_function(self):
        self.need("mount", "a mount namespace")
        self.assertIn("probe-a", self.seen("tmp_list")["value"])
        self.assertNotIn("probe-a", self.seen("tmp_list", self.b)["value"])
        self.assertIn("probe-b", self.seen("tmp_list", self.b)["value"])

    def test_privileged_calls_are_refused(self):
        for what in ("mount", "unshare", "ptrace"):
            self.assertBlocked(self.seen(what), what)

    def test_other_environments_runtime_api_is_refused(self):
        self.need("uid/gid", "a uid per environment (the Runtime API checks the caller's)")
        seen = self.seen("other_runtime_apis", self.a2)
        self.assertTrue(seen["ok"], seen)
        self.assertGreaterEqual(seen["value"]["tried"], 1, "probe-b's Runtime API was not found")
        self.assertEqual(seen["value"]["answered"], [], "another environment's Runtime API answered")
        self.assertTrue(self.seen("own_runtime_api", self.a2)["ok"])

    def test_function_reaches_nimbus(self):
        self.assertTrue(self.seen("endpoint")["ok"], self.seen("endpoint"))
        sdk = self.seen("sdk_call")
        self.assertTrue(sdk["ok"], sdk)
        self.assertEqual(sdk["value"], "arn:aws:sts::%s:assumed-role/probe-role/probe-a" % ACCOUNT)

    def test_function_shares_the_host_network_by_default(self):
        # As AWS functions outside a VPC reach the internet.
        self.assertIn("network: the host's", self.isolation)
        outside = self.seen("outside")
        self.assertEqual(len(outside), len(self.outside.targets))
        for target, result in outside.items():
            self.assertTrue(result["ok"], "%s: %r" % (target, result))

    # --- limits -----------------------------------------------------------

    def test_memory_hog_is_killed_and_reported(self):
        self.create("hog", make_zip(HOG), MemorySize=128)
        r = self.invoke("hog")
        self.assertEqual(r["error"], "Unhandled", r)
        if self.has("memory limit: cgroup"):
            self.assertEqual(r["body"]["errorType"], "Runtime.OutOfMemory", r)
            self.assertIn("Error: Runtime exited with error: signal: killed",
                          r["body"]["errorMessage"])
        else:
            sys.stderr.write("[sandbox] no memory cgroup: RLIMIT_DATA makes it a MemoryError\n")
            self.assertEqual(r["body"]["errorType"], "MemoryError", r)
        self.assertRegex(r["log"], r"REPORT RequestId: \S+\s+Duration: [\d.]+ ms\s+Billed Duration: "
                                   r"\d+ ms\s+Memory Size: 128 MB\s+Max Memory Used: \d+ MB")
        self.assertEqual(self.invoke("healthy")["body"], "still serving")

    def test_cpu_is_limited_to_one_core_below_1769_mb(self):
        # max(1, MemorySize/1769 MB) cores per 100 ms period: three spinning
        # processes of a 128 MB function get one core at most, however many
        # the machine has idle.
        if not self.has("CPU: cgroup bandwidth"):
            self.skipTest("this machine cannot limit a function's CPU (isolation: %s)"
                          % self.isolation)
        self.create("cpu", make_zip(CPU), MemorySize=128, Timeout=20)
        r = self.invoke("cpu", {"processes": 3, "seconds": 1.0})
        self.assertIsNone(r["error"], r)
        sys.stderr.write("[sandbox] 3 spinning processes at 128 MB: %.2f s CPU in %.2f s\n"
                         % (r["body"]["cpu"], r["body"]["wall"]))
        # One period of slack: the quota is checked per 100 ms.
        self.assertLessEqual(r["body"]["cpu"], r["body"]["wall"] + 0.1, r["body"])

    def need_process_limit(self):
        if "processes: not limited" in self.isolation:
            self.skipTest("this machine cannot limit a function's processes (no pids cgroup, "
                          "no uid of its own): a fork bomb would take the machine down")

    def test_process_count_is_limited(self):
        self.need_process_limit()
        self.create("tasks", make_zip(TASKS), MemorySize=1024, Timeout=30)
        r = self.invoke("tasks", {"seconds": 20})
        self.assertIsNone(r["error"], r)
        self.assertEqual(r["body"]["error"], "can't start new thread", r)  # the limit, not the clock
        self.assertLess(r["body"]["started"], 1024, r)

    def test_fork_bomb_is_contained_and_the_server_keeps_serving(self):
        self.need_process_limit()
        self.create("bomb", make_zip(BOMB), MemorySize=4096, Timeout=3)
        started = time.time()
        r = self.invoke("bomb")
        self.assertEqual(r["error"], "Unhandled", r)
        # Killed with its namespace at the deadline (or, if its page tables
        # outgrow 4 GB first, by the memory limit): either way it is over.
        self.assertRegex(r["body"]["errorMessage"],
                         r"Task timed out after 3\.\d\d seconds|Runtime exited with error: signal: killed")
        self.assertLess(time.time() - started, 20)
        self.assertEqual(self.invoke("healthy")["body"], "still serving")
        self.assertIn("Functions", self.lam.list_functions())


class NoNetworkSandboxTest(unittest.TestCase):
    """`--lambda-network none`: a network namespace per environment with
    only loopback, where nimbus's endpoint and the Runtime API answer."""

    @classmethod
    def setUpClass(cls):
        saved = dict(os.environ)
        os.environ["NIMBUS_LOG_LEVEL"] = "info"
        try:
            cls.server = Server("--lambda-network", "none").start()
        except RuntimeError as e:
            cls.server = None
            cls.refused = str(e)
            return
        finally:
            os.environ.clear()
            os.environ.update(saved)
        m = re.search(r"lambda isolation: (.*)", cls.server.read_log())
        cls.isolation = m.group(1) if m else ""
        cls.outside = OutsideListener()
        lam = cls.server.boto3_client("lambda")
        lam.create_function(FunctionName="probe-a", Runtime="python3.11", Role=ROLE,
                            Handler="app.handler", Code={"ZipFile": make_zip(PROBE)}, Timeout=10)
        r = lam.invoke(FunctionName="probe-a", Payload=json.dumps(
            {"tag": "a", "data_dir": cls.server.data_dir, "other_code": "/nonexistent",
             "outside": cls.outside.targets}).encode())
        cls.error = r.get("FunctionError")
        cls.body = json.loads(r["Payload"].read())

    @classmethod
    def tearDownClass(cls):
        if cls.server:
            cls.server.cleanup()
            cls.outside.close()

    def setUp(self):
        if self.server is None:
            if os.geteuid() != 0:
                self.skipTest("network namespaces need root: " + self.refused)
            self.fail("nimbus refused --lambda-network none as root: " + self.refused)
        self.assertIsNone(self.error, self.body)

    def test_start_up_names_the_network_mode(self):
        self.assertIn("network: none but nimbus", self.isolation)

    def test_only_loopback(self):
        self.assertEqual(self.body["net_devices"], {"ok": True, "value": ["lo"]})

    def test_nimbus_and_the_runtime_api_answer(self):
        self.assertEqual(self.body["env"]["AWS_LAMBDA_RUNTIME_API"], "127.0.0.1:9001")
        self.assertEqual(self.body["env"]["AWS_ENDPOINT_URL"],
                         "http://127.0.0.1:%d" % self.server.port)
        self.assertTrue(self.body["endpoint"]["ok"], self.body["endpoint"])
        self.assertTrue(self.body["own_runtime_api"]["ok"], self.body["own_runtime_api"])
        self.assertEqual(self.body["sdk_call"], {
            "ok": True, "value": "arn:aws:sts::%s:assumed-role/probe-role/probe-a" % ACCOUNT})

    def test_the_outside_is_unreachable(self):
        self.assertEqual(len(self.body["outside"]), len(self.outside.targets))
        for target, result in self.body["outside"].items():
            self.assertFalse(result["ok"], "%s was reachable: %r" % (target, result))


if __name__ == "__main__":
    unittest.main()
