"""nginx answering a constant on this machine: the limit for answering HTTP
here, which the benches print beside a server's requests/s (a figure above
it is out of any server's reach on this machine, a target above it too).

nginx is installed with apt-get (nginx-light, else nginx) when it is
missing, and runs on an ephemeral port with its own configuration in a
temporary folder, one worker per core, keep-alive, access log off.
"""

import http.client
import os
import shutil
import subprocess
import tempfile

from common import LocalServer, run_wrk, wait_until_up, wrk_script

NGINX_CONF = """worker_processes %(workers)d;
pid %(dir)s/nginx.pid;
error_log %(dir)s/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path %(dir)s/body;
  proxy_temp_path %(dir)s/proxy;
  fastcgi_temp_path %(dir)s/fastcgi;
  uwsgi_temp_path %(dir)s/uwsgi;
  scgi_temp_path %(dir)s/scgi;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:%(port)d;
    location / { default_type application/json; return 200 '{"hello":"world"}'; }
  }
}
"""

CONSTANT_BODY = '{"hello":"world"}'


def nginx_binary():
    """nginx, installed with apt-get (nginx-light, else nginx) when missing;
    None when neither installs."""
    for path in (shutil.which("nginx"), "/usr/sbin/nginx"):
        if path and os.path.exists(path):
            return path
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return None
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for package in ("nginx-light", "nginx"):
        print("  installing %s with apt-get ..." % package, flush=True)
        p = subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", package],
                           env=env, capture_output=True, text=True, timeout=600)
        if p.returncode != 0 and "Unable to locate" in p.stderr:
            subprocess.run(["apt-get", "update"], env=env, capture_output=True, timeout=600)
            p = subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", package],
                               env=env, capture_output=True, text=True, timeout=600)
        if p.returncode == 0 and os.path.exists("/usr/sbin/nginx"):
            return "/usr/sbin/nginx"
    return None


class Nginx(LocalServer):
    """nginx answering a constant on an ephemeral port, its configuration,
    pid file and logs in a temporary folder."""

    def __init__(self, binary, workers):
        super().__init__()
        self.binary, self.workers = binary, workers
        self.dir = tempfile.mkdtemp(prefix="nimbus-bench-nginx-")

    def start(self):
        conf = os.path.join(self.dir, "nginx.conf")
        with open(conf, "w") as f:
            f.write(NGINX_CONF % {"dir": self.dir, "port": self.port, "workers": self.workers})
        self.proc = subprocess.Popen([self.binary, "-p", self.dir, "-c", conf,
                                      "-g", "daemon off;"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        def answers():
            c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1)
            c.request("GET", "/")
            return c.getresponse().read() == CONSTANT_BODY.encode()
        wait_until_up("nginx", self.proc, answers, timeout=10, step=0.05)
        return self

    def stop(self):
        super().stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def http_limit(connections, seconds):
    """{connections: wrk's result} for nginx answering CONSTANT_BODY to GET /
    (keep-alive, 1 s warm-up per count); None when nginx is not available."""
    binary = nginx_binary()
    if binary is None:
        return None
    nginx = Nginx(binary, os.cpu_count() or 1).start()
    try:
        script = wrk_script("GET", "/", {}, b"")
        out = {}
        for c in connections:
            run_wrk(nginx.endpoint, script, seconds=1, connections=c)
            out[c] = run_wrk(nginx.endpoint, script, seconds=seconds, connections=c)
        return out
    finally:
        nginx.stop()
