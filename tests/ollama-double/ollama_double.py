#!/usr/bin/env python3
"""Ollama test double: the parts of Ollama's HTTP API the collection talks to.

Ollama itself cannot be obtained on the test machines, so this stands in for it in unit tests
and (as an image) in role scenarios. It follows the documented API: /api/version, /api/tags,
/api/pull (NDJSON progress: pulling manifest, per-layer digest/total/completed, verifying sha256
digest, writing manifest, success - or an {"error": ...} line with HTTP 200), /api/delete,
/api/show, /api/ps, /api/chat and /api/generate (streamed, deterministic), /api/embed
(deterministic vectors). It downloads nothing.

Behaviour a test wants to provoke is set under /_double (not part of Ollama):
  POST /_double/config {"fail_midstream": ["model:tag"], "delay": 0.05, "upstream": {"name": "digest"}}
  GET  /_double/calls  -> {"GET /api/tags": 3, ...};  POST /_double/reset
  GET  /_double/calls-by-agent -> {"ansible-httpget": {"GET /api/tags": 1}, "ollama-cli": {...}}
Run: python3 ollama_double.py [--host 0.0.0.0] [--port 11434] [--models llama3.1:8b,...] [--state-dir DIR]
As the `ollama` command of the double's image: `ollama serve` (address from OLLAMA_HOST, models kept
in OLLAMA_MODELS or ~/.ollama/models so they survive a restart), `ollama list`, `ollama --version`.
"""

import argparse
import hashlib
import json
import math
import os
import sys
import threading
import time
import urllib.request
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

VERSION = "0.32.6"

# The public library this double knows: name -> (parameter size, family, quantization, size in bytes).
CATALOG = {
    "llama3.1:8b": ("8.0B", "llama", "Q4_K_M", 4920753328),
    "llama3.2:3b": ("3.2B", "llama", "Q4_K_M", 2019393189),
    "llama3.2:1b": ("1.2B", "llama", "Q8_0", 1321098329),
    "qwen2.5:7b": ("7.6B", "qwen2", "Q4_K_M", 4683087332),
    "nomic-embed-text:latest": ("137M", "nomic-bert", "F16", 274302450),
    "tinyllama:latest": ("1B", "llama", "Q4_0", 637700138),
}


def normalize(name):
    last = name.rsplit("/", 1)[-1]
    return name if ":" in last else name + ":latest"


def digest_of(name, generation=0):
    return hashlib.sha256(("%s#%d" % (name, generation)).encode()).hexdigest()


class State:
    def __init__(self, models, state_dir=None):
        self.lock = threading.Lock()
        self.generation = {}  # upstream digest generation per model
        self.present = {}  # name -> digest
        self.loaded = {}
        self.calls = {}
        self.calls_by_agent = {}
        self.config = {"fail_midstream": [], "delay": 0.0}
        self.manifest = os.path.join(state_dir, "double-manifests.json") if state_dir else None
        if self.manifest and os.path.exists(self.manifest):
            with open(self.manifest) as handle:
                self.present.update(json.load(handle))
        for name in models:
            self.present.setdefault(normalize(name), digest_of(normalize(name)))

    def save(self):
        """Keeps the models on disk like Ollama's volume does (call with the lock held)."""
        if self.manifest:
            os.makedirs(os.path.dirname(self.manifest), exist_ok=True)
            with open(self.manifest + ".tmp", "w") as handle:
                json.dump(self.present, handle)
            os.replace(self.manifest + ".tmp", self.manifest)

    def model_entry(self, name):
        params, family, quant, size = CATALOG[name]
        return {
            "name": name, "model": name, "size": size, "digest": self.present[name],
            "modified_at": datetime.now(timezone.utc).isoformat(),
            "details": {"parent_model": "", "format": "gguf", "family": family, "families": [family],
                        "parameter_size": params, "quantization_level": quant},
        }


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state = None  # set by serve()

    def log_message(self, *args):
        pass

    def _count(self):
        key = "%s %s" % (self.command, self.path)
        agent = (self.headers.get("User-Agent") or "unknown").split("/", 1)[0]
        with self.state.lock:
            self.state.calls[key] = self.state.calls.get(key, 0) + 1
            by_agent = self.state.calls_by_agent.setdefault(agent, {})
            by_agent[key] = by_agent.get(key, 0) + 1

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        if not length:
            return {}
        try:
            return json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            return None

    def _send(self, status, obj=None):
        data = b"" if obj is None else json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, events):
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for event in events:
            line = json.dumps(event).encode() + b"\n"
            self.wfile.write(b"%x\r\n%s\r\n" % (len(line), line))
            self.wfile.flush()
            if self.state.config.get("delay"):
                time.sleep(self.state.config["delay"])
        self.wfile.write(b"0\r\n\r\n")

    def do_GET(self):
        self._count()
        s = self.state
        if self.path == "/api/version":
            return self._send(200, {"version": VERSION})
        if self.path == "/api/tags":
            with s.lock:
                return self._send(200, {"models": [s.model_entry(n) for n in sorted(s.present)]})
        if self.path == "/api/ps":
            with s.lock:
                return self._send(200, {"models": [dict(s.model_entry(n), expires_at="2999-01-01T00:00:00Z", size_vram=0)
                                                   for n in sorted(s.loaded) if n in s.present]})
        if self.path == "/_double/calls":
            with s.lock:
                return self._send(200, dict(s.calls))
        if self.path == "/_double/calls-by-agent":
            with s.lock:
                return self._send(200, json.loads(json.dumps(s.calls_by_agent)))
        if self.path == "/":
            return self._send(200, "Ollama is running")
        return self._send(404, {"error": "404 page not found"})

    def do_DELETE(self):
        self._count()
        body = self._body()
        if self.path != "/api/delete" or body is None:
            return self._send(400, {"error": "invalid request"})
        name = normalize(body.get("model") or body.get("name") or "")
        with self.state.lock:
            if name not in self.state.present:
                return self._send(404, {"error": "model '%s' not found" % name})
            del self.state.present[name]
            self.state.loaded.pop(name, None)
            self.state.save()
        return self._send(200)

    def do_POST(self):
        self._count()
        s = self.state
        body = self._body()
        if body is None:
            return self._send(400, {"error": "invalid JSON"})
        if self.path == "/_double/config":
            with s.lock:
                for name, generation in (body.pop("upstream", None) or {}).items():
                    s.generation[normalize(name)] = generation
                s.config.update(body)
            return self._send(200, s.config)
        if self.path == "/_double/reset":
            with s.lock:
                s.calls.clear()
                s.calls_by_agent.clear()
            return self._send(200, {})
        name = normalize(body.get("model") or body.get("name") or "")
        if self.path == "/api/pull":
            return self._pull(name, body.get("stream", True))
        if self.path == "/api/show":
            with s.lock:
                if name not in s.present:
                    return self._send(404, {"error": "model '%s' not found" % name})
                entry = s.model_entry(name)
            return self._send(200, {"modelfile": "FROM %s" % name, "parameters": "", "template": "{{ .Prompt }}",
                                    "details": entry["details"],
                                    "model_info": {"general.architecture": entry["details"]["family"]}})
        if self.path in ("/api/chat", "/api/generate", "/api/embed"):
            with s.lock:
                if name not in s.present:
                    return self._send(404, {"error": "model '%s' not found, try pulling it first" % name})
                s.loaded[name] = True
            return getattr(self, "_" + self.path.rsplit("/", 1)[-1])(name, body)
        return self._send(404, {"error": "404 page not found"})

    def _pull(self, name, stream):
        s = self.state
        if name not in CATALOG:
            # Ollama answers an unknown model inside the stream, with HTTP 200.
            events = [{"status": "pulling manifest"}, {"error": "pull model manifest: file does not exist"}]
            return self._stream(events) if stream else self._send(500, {"error": events[-1]["error"]})
        size = CATALOG[name][3]
        digest = digest_of(name, s.generation.get(name, 0))
        layer = "sha256:" + digest
        events = [{"status": "pulling manifest"}]
        for step in range(1, 5):
            events.append({"status": "pulling %s" % digest[:12], "digest": layer, "total": size,
                           "completed": size * step // 4})
            if step == 2 and name in s.config.get("fail_midstream", []):
                events.append({"error": "max retries exceeded: connection reset by peer"})
                return self._stream(events)
        events += [{"status": "verifying sha256 digest"}, {"status": "writing manifest"}, {"status": "success"}]
        with s.lock:
            s.present[name] = digest
            s.save()
        return self._stream(events) if stream else self._send(200, {"status": "success"})

    def _words(self, name, text):
        seed = hashlib.sha256((name + "|" + text).encode()).hexdigest()
        return ["The", "double", "of", name, "answers", seed[:8] + "."]

    def _chat(self, name, body):
        prompt = " ".join(m.get("content", "") for m in body.get("messages", []))
        words = self._words(name, prompt)
        final = {"model": name, "done": True, "done_reason": "stop", "message": {"role": "assistant", "content": ""},
                 "prompt_eval_count": len(prompt.split()), "eval_count": len(words), "total_duration": 1000000}
        if body.get("stream", True) is False:
            final["message"]["content"] = " ".join(words)
            return self._send(200, final)
        chunks = [{"model": name, "done": False, "message": {"role": "assistant", "content": w + " "}} for w in words]
        return self._stream(chunks + [final])

    def _generate(self, name, body):
        words = self._words(name, body.get("prompt", ""))
        final = {"model": name, "done": True, "response": "", "prompt_eval_count": len(body.get("prompt", "").split()),
                 "eval_count": len(words)}
        if body.get("stream", True) is False:
            final["response"] = " ".join(words)
            return self._send(200, final)
        return self._stream([{"model": name, "done": False, "response": w + " "} for w in words] + [final])

    def _embed(self, name, body):
        inputs = body.get("input", "")
        inputs = [inputs] if isinstance(inputs, str) else list(inputs)
        vectors = []
        for text in inputs:
            raw = hashlib.sha256((name + "|" + text).encode()).digest() * 24  # 768 bytes
            vector = [(b - 127.5) / 127.5 for b in raw[:768]]
            norm = math.sqrt(sum(v * v for v in vector)) or 1.0
            vectors.append([v / norm for v in vector])
        return self._send(200, {"model": name, "embeddings": vectors})


def serve(host="127.0.0.1", port=11434, models=(), state_dir=None):
    handler = type("BoundHandler", (Handler,), {"state": State(models, state_dir)})
    return ThreadingHTTPServer((host, port), handler)


def _ollama_host():
    """OLLAMA_HOST as Ollama reads it: host[:port], default 127.0.0.1:11434."""
    value = os.environ.get("OLLAMA_HOST", "127.0.0.1:11434").split("://")[-1]
    host, _, port = value.rpartition(":") if ":" in value else (value, "", "11434")
    return host or "127.0.0.1", int(port or 11434)


def _cli_list():
    _, port = _ollama_host()
    request = urllib.request.Request("http://127.0.0.1:%d/api/tags" % port, headers={"User-Agent": "ollama-cli/" + VERSION})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            models = json.load(response).get("models") or []
    except OSError as exc:
        print("Error: could not connect to ollama app, is it running? (%s)" % exc, file=sys.stderr)
        return 1
    print("NAME\tID\tSIZE")
    for model in models:
        print("%s\t%s\t%s" % (model["name"], model["digest"][:12], model["size"]))
    return 0


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] in (["--version"], ["-v"]):
        print("ollama version is %s (test double)" % VERSION)
        return 0
    if argv[:1] == ["list"]:
        return _cli_list()
    serve_command = argv[:1] == ["serve"]
    if serve_command:
        argv = argv[1:]
    host, port = _ollama_host() if serve_command else ("0.0.0.0", 11434)
    default_dir = os.environ.get("OLLAMA_MODELS") or os.path.expanduser("~/.ollama/models") if serve_command else None
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=host)
    parser.add_argument("--port", type=int, default=port)
    parser.add_argument("--models", default="", help="comma-separated models present at start")
    parser.add_argument("--state-dir", default=default_dir, help="keep the present models in this directory")
    args = parser.parse_args(argv)
    server = serve(args.host, args.port, [m for m in args.models.split(",") if m], args.state_dir)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
