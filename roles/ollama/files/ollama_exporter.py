#!/usr/bin/env python3
"""Prometheus exporter for Ollama, which has no metrics endpoint of its own (REQUIREMENTS B6).

On every scrape of /metrics it asks each instance for /api/version, /api/tags and /api/ps and
reports whether it is up, its version, the models present (with sizes) and the models loaded in
memory. Standard library only, so it runs on any image with Python 3.

    OLLAMA_EXPORTER_TARGETS="ollama-1=http://ollama-1:11434,ollama-2=http://ollama-2:11434"
    OLLAMA_EXPORTER_PORT=9778  OLLAMA_EXPORTER_TIMEOUT=3
"""

import json
import os
import sys
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

METRICS = (
    ("ollama_up", "Whether the instance answered /api/version (1) or not (0)."),
    ("ollama_info", "Version of the instance, as a label."),
    ("ollama_models_present", "Number of models on the instance's volume."),
    ("ollama_model_size_bytes", "Size of each model present."),
    ("ollama_models_loaded", "Number of models loaded in memory."),
    ("ollama_model_loaded", "1 for each model loaded in memory."),
    ("ollama_model_loaded_size_bytes", "Memory used by each loaded model."),
    ("ollama_probe_duration_seconds", "How long asking the instance took."),
)


def parse_targets(text):
    targets = []
    for item in (text or "").split(","):
        item = item.strip()
        if not item:
            continue
        name, sep, url = item.partition("=")
        if not sep or not name or not url.startswith(("http://", "https://")):
            raise ValueError("OLLAMA_EXPORTER_TARGETS: %r is not name=http://host:port" % item)
        targets.append((name, url.rstrip("/")))
    if not targets:
        raise ValueError("OLLAMA_EXPORTER_TARGETS names no instance")
    return targets


def _get(url, timeout):
    request = urllib.request.Request(url, headers={"User-Agent": "ollama-exporter/1"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.load(response)


def _label(value):
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def probe(name, url, timeout):
    """Samples for one instance: a list of (metric, labels, value)."""
    started = time.monotonic()
    samples = []
    try:
        version = _get(url + "/api/version", timeout).get("version", "unknown")
        present = _get(url + "/api/tags", timeout).get("models") or []
        loaded = _get(url + "/api/ps", timeout).get("models") or []
    except (OSError, ValueError):
        samples.append(("ollama_up", {"instance": name}, 0))
    else:
        samples.append(("ollama_up", {"instance": name}, 1))
        samples.append(("ollama_info", {"instance": name, "version": version}, 1))
        samples.append(("ollama_models_present", {"instance": name}, len(present)))
        for model in present:
            samples.append(("ollama_model_size_bytes", {"instance": name, "model": model.get("name")}, model.get("size", 0)))
        samples.append(("ollama_models_loaded", {"instance": name}, len(loaded)))
        for model in loaded:
            samples.append(("ollama_model_loaded", {"instance": name, "model": model.get("name")}, 1))
            samples.append(("ollama_model_loaded_size_bytes", {"instance": name, "model": model.get("name")}, model.get("size", 0)))
    samples.append(("ollama_probe_duration_seconds", {"instance": name}, round(time.monotonic() - started, 6)))
    return samples


def render(samples):
    lines = []
    for metric, help_text in METRICS:
        rows = [(labels, value) for m, labels, value in samples if m == metric]
        if not rows:
            continue
        lines.append("# HELP %s %s" % (metric, help_text))
        lines.append("# TYPE %s gauge" % metric)
        for labels, value in rows:
            text = ",".join('%s="%s"' % (k, _label(v)) for k, v in sorted(labels.items()))
            lines.append("%s{%s} %s" % (metric, text, value))
    return "\n".join(lines) + "\n"


def make_server(targets, port, timeout, host="0.0.0.0"):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            if self.path == "/metrics":
                samples = []
                for name, url in targets:
                    samples.extend(probe(name, url, timeout))
                body, status, kind = render(samples).encode(), 200, "text/plain; version=0.0.4"
            elif self.path == "/healthz":
                body, status, kind = b"ok\n", 200, "text/plain"
            else:
                body, status, kind = b"not found\n", 404, "text/plain"
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return ThreadingHTTPServer((host, port), Handler)


def main():
    try:
        targets = parse_targets(os.environ.get("OLLAMA_EXPORTER_TARGETS", ""))
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    server = make_server(targets, int(os.environ.get("OLLAMA_EXPORTER_PORT", "9778")),
                         float(os.environ.get("OLLAMA_EXPORTER_TIMEOUT", "3")))
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
