#!/usr/bin/env python3
"""Test sink for Alertmanager's webhook receiver: keeps every POSTed JSON body, returns them on GET /."""
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def make_server(port, host="0.0.0.0"):
    """A server whose `received` list holds every body POSTed to it, oldest first."""
    received = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                received.append(json.loads(body))
            except ValueError:
                self.send_response(400)
            else:
                self.send_response(200)
            self.end_headers()

        def do_GET(self):
            body = json.dumps(received).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer((host, port), Handler)
    server.received = received
    return server


if __name__ == "__main__":
    make_server(8080).serve_forever()
