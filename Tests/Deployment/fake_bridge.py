"""A bridge for the deployment tests, run by bridgekeeper as a managed bridge: Python's own
http.server on 127.0.0.1, answering GET /v1/models and POST /v1/chat/completions (whole or
streamed) like an OpenAI-compatible bridge. Usage: fake_bridge.py PORT MODEL"""

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, MODEL = int(sys.argv[1]), sys.argv[2]
REPLY = "hello from the fake bridge"


class Bridge(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self, status, payload, content_type="application/json"):
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/v1/models":
            self.answer(200, {"object": "list", "data": [{"id": MODEL, "object": "model", "owned_by": "test"}]})
        else:
            self.answer(404, {"error": {"message": f"no {self.path} here"}})

    def do_POST(self):
        request = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        if self.path != "/v1/chat/completions":
            return self.answer(404, {"error": {"message": f"no {self.path} here"}})
        usage = {"prompt_tokens": 5, "completion_tokens": 5, "total_tokens": 10}
        if not request.get("stream"):
            return self.answer(200, {"id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": MODEL,
                                     "choices": [{"index": 0, "finish_reason": "stop",
                                                  "message": {"role": "assistant", "content": REPLY}}],
                                     "usage": usage})
        chunks = [{"choices": [{"index": 0, "delta": {"role": "assistant", "content": REPLY}, "finish_reason": None}]},
                  {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}], "usage": usage}]
        events = b"".join(b"data: " + json.dumps({"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 0,
                                                  "model": MODEL, **chunk}).encode() + b"\n\n" for chunk in chunks)
        self.answer(200, events + b"data: [DONE]\n\n", "text/event-stream")

    def log_message(self, format, *args):
        sys.stderr.write("fake bridge: " + format % args + "\n")


ThreadingHTTPServer(("127.0.0.1", PORT), Bridge).serve_forever()
