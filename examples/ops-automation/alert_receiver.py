"""An HTTP endpoint for the ops-alerts topic: it confirms its subscription
by fetching the SubscribeURL of the SubscriptionConfirmation SNS POSTs to
it, then prints each Notification's Subject and Message (and keeps them in
`Receiver.notifications`). Production endpoints should also verify each
message's signature against its SigningCertURL, as AWS documents
("Verifying the signatures of Amazon SNS messages").

Usage: python3 alert_receiver.py [PORT]   (default 8080), then deploy with
       python3 deploy.py http://localhost:4566 http://localhost:PORT/alerts"""

import json
import sys
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self, port=0, quiet=False):
        self.notifications = []  # the Notification envelopes, as received
        self.confirmed = threading.Event()
        self.quiet = quiet
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                kind = self.headers.get("x-amz-sns-message-type", "")
                message = json.loads(body)
                self.send_response(200)
                self.end_headers()
                receiver.handle(kind, message)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = "http://127.0.0.1:%d/alerts" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def handle(self, kind, message):
        if kind == "SubscriptionConfirmation":
            # A plain GET of the SubscribeURL confirms, as on AWS.
            urllib.request.urlopen(message["SubscribeURL"], timeout=10).read()
            self.confirmed.set()
        elif kind == "Notification":
            with self._lock:
                self.notifications.append(message)
            if not self.quiet:
                print("%s: %s" % (message.get("Subject"), message["Message"]), flush=True)

    def received(self):
        with self._lock:
            return list(self.notifications)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


if __name__ == "__main__":
    r = Receiver(int(sys.argv[1]) if len(sys.argv) > 1 else 8080)
    print("listening at", r.url, flush=True)
    threading.Event().wait()
