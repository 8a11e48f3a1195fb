"""A webhook receiver for the deployment tests: appends each POSTed JSON body, with the time it
arrived, to FILE as one line. Usage: webhook_sink.py PORT FILE"""

import json
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

PORT, FILE = int(sys.argv[1]), sys.argv[2]


class Sink(BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
        with open(FILE, "a") as out:
            out.write(json.dumps({"received": time.time(), "body": body}) + "\n")
        self.send_response(204)
        self.end_headers()

    def log_message(self, format, *args):
        pass


HTTPServer(("127.0.0.1", PORT), Sink).serve_forever()
