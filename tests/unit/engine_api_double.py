"""A Docker Engine API double on a unix socket, for the unit tests of the modules that read the Engine.

It answers GETs from a table {path with query: (status, JSON body)} and records every path asked for;
anything not in the table is a 404, as the Engine answers for a missing image or network.
"""
import socketserver
import threading
from http.server import BaseHTTPRequestHandler

from http_double import answer


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the name http.server dispatches to
        self.server.requested.append(self.path)
        answer(self, *self.server.answers.get(self.path, (404, {"message": "no such object"})))

    def log_message(self, *args):
        pass

    def address_string(self):
        return "unix"


class EngineApiDouble(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

    def __init__(self, path, answers):
        socketserver.UnixStreamServer.__init__(self, path, _Handler)
        self.answers = answers
        self.requested = []
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()

    def stop(self):
        self.shutdown()
        self.server_close()
