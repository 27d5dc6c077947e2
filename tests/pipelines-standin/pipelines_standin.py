#!/usr/bin/env python3
"""A stand-in for the Open WebUI Pipelines server (ghcr.io/open-webui/pipelines:main).

The real server is not published as a package and its image cannot be pulled here (ENVIRONMENT.md).
This keeps the parts of its contract Open WebUI and the pipelines role use, and loads pipeline files
the way the real server does:

  on start, for each `*.py` in PIPELINES_DIR (./pipelines from WORKDIR /app), in directory order:
    - its folder `<name>/` and `<name>/valves.json` ({}) are created when missing;
    - `requirements:` in the leading docstring is installed with `pip install` (one call per
      comma-separated requirement); a failed install or import, or a file without a class
      `Pipeline`, moves the file to `PIPELINES_DIR/failed/` and the server goes on without it;
    - `Pipeline()` is made, its valves overlaid with valves.json, and `on_startup()` awaited.
  GET  / , /v1                       {"status": true} (no key)
  GET  /v1/models, /models           every pipeline as an OpenAI model; a filter's entry carries
                                     pipeline.type "filter", its `pipelines` and `priority` valves
  GET  /v1/pipelines                 id, file name, type, whether it has valves
  POST /v1/pipelines/reload          on_shutdown, load again, on_startup
  GET  /v1/{id}/valves[/spec]        the valves / their JSON schema
  POST /v1/{id}/valves/update        new valves (validated by the pipeline's own model), written to
                                     valves.json, then on_valves_updated()
  POST /v1/{id}/filter/inlet|outlet  {"body", "user"} -> the pipeline's inlet/outlet(body, user); an
                                     exception is a 500 {"detail"}
  POST /v1/chat/completions          a pipe pipeline's answer (JSON, or SSE with "stream": true);
                                     a filter or unknown model is a 404
Each request is logged as uvicorn logs it (`INFO:     IP:PORT - "POST /x/filter/inlet HTTP/1.1" 200`).
Every route but the status needs `Authorization: Bearer $PIPELINES_API_KEY`: none -> 403
{"detail": "Not authenticated"}, another key -> 401 {"detail": "Invalid API key"}. Unknown ids are
404 {"detail": "... not found"}. The key defaults to upstream's `0p3n-w3bu!` when unset.
"""

import asyncio
import importlib.util
import json
import os
import re
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

DEFAULT_API_KEY = "0p3n-w3bu!"


class HttpError(Exception):
    def __init__(self, status, detail):
        super().__init__(detail)
        self.status, self.detail = status, detail


def frontmatter(source):
    """The `key: value` lines of a file's leading docstring, keys lower-cased."""
    if not source.startswith('"""'):
        return {}
    end = source.find('"""', 3)
    if end == -1:
        return {}
    found = {}
    for line in source[3:end].split("\n"):
        if ":" in line:
            key, value = line.split(":", 1)
            found[key.strip().lower()] = value.strip()
    return found


def install_requirements(requirements, run=subprocess.check_call):
    for requirement in [item.strip() for item in requirements.split(",") if item.strip()]:
        run([sys.executable, "-m", "pip", "install", requirement])


def valves_of(pipeline):
    valves = getattr(pipeline, "valves", None)
    return valves.model_dump() if valves is not None else None


class Server:
    """The loaded pipelines of one directory, and an event loop their hooks run on."""

    def __init__(self, directory, api_key, install=install_requirements, loop=None):
        self.directory, self.api_key, self.install = directory, api_key, install
        self.modules, self.names = {}, {}
        self.loop = loop

    def run(self, coroutine):
        if self.loop is None:
            return asyncio.run(coroutine)
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    # ---- loading, as the real server's load_modules_from_directory ----

    def load_file(self, name, path):
        try:
            with open(path) as source:
                requirements = frontmatter(source.read()).get("requirements")
            if requirements:
                self.install(requirements)
            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            if not hasattr(module, "Pipeline"):
                raise ImportError("No Pipeline class found")
            return module.Pipeline()
        except Exception as failed:  # noqa: BLE001 - the real server moves any failing file aside
            failed_dir = os.path.join(self.directory, "failed")
            os.makedirs(failed_dir, exist_ok=True)
            os.replace(path, os.path.join(failed_dir, name + ".py"))
            print("Error loading module: %s: %s" % (name, failed), file=sys.stderr, flush=True)
            return None

    def load(self):
        os.makedirs(self.directory, exist_ok=True)
        for filename in sorted(os.listdir(self.directory)):
            if not filename.endswith(".py"):
                continue
            name = filename[:-3]
            folder = os.path.join(self.directory, name)
            os.makedirs(folder, exist_ok=True)
            valves_path = os.path.join(folder, "valves.json")
            if not os.path.exists(valves_path):
                with open(valves_path, "w") as handle:
                    json.dump({}, handle)
            pipeline = self.load_file(name, os.path.join(self.directory, filename))
            if pipeline is None:
                continue
            if hasattr(pipeline, "valves"):
                with open(valves_path) as handle:
                    stored = json.load(handle)
                pipeline.valves = pipeline.valves.__class__(**{**pipeline.valves.model_dump(), **stored})
            pipeline_id = getattr(pipeline, "id", name)
            self.modules[pipeline_id] = pipeline
            self.names[pipeline_id] = name
            print("Loaded module: %s" % name, file=sys.stderr, flush=True)

    def start(self):
        self.load()
        for pipeline in list(self.modules.values()):
            if hasattr(pipeline, "on_startup"):
                self.run(pipeline.on_startup())

    def stop(self):
        for pipeline in list(self.modules.values()):
            if hasattr(pipeline, "on_shutdown"):
                self.run(pipeline.on_shutdown())

    def reload(self):
        self.stop()
        self.modules.clear()
        self.names.clear()
        self.start()

    # ---- what the routes answer ----

    def models(self):
        data = []
        for pipeline_id, pipeline in self.modules.items():
            kind = getattr(pipeline, "type", "pipe")
            entries = pipeline.pipelines() if kind == "manifold" and callable(pipeline.pipelines) else (
                pipeline.pipelines if kind == "manifold" else [{"id": pipeline_id, "name": getattr(pipeline, "name", pipeline_id)}])
            for entry in entries:
                model_id = "%s.%s" % (pipeline_id, entry["id"]) if kind == "manifold" else pipeline_id
                described = {"type": kind}
                if kind == "filter":
                    valves = getattr(pipeline, "valves", None)
                    described["pipelines"] = getattr(valves, "pipelines", []) if valves is not None else []
                    described["priority"] = getattr(valves, "priority", 0) if valves is not None else 0
                described["valves"] = hasattr(pipeline, "valves")
                name = getattr(pipeline, "name", "") + entry["name"] if kind == "manifold" else entry["name"]
                data.append({"id": model_id, "name": name, "object": "model", "created": int(time.time()),
                             "owned_by": "openai", "pipeline": described})
        return {"data": data, "object": "list", "pipelines": True}

    def pipeline(self, pipeline_id, what="Pipeline"):
        if pipeline_id not in self.modules:
            raise HttpError(404, "%s %s not found" % (what, pipeline_id))
        return self.modules[pipeline_id]

    def valved(self, pipeline_id):
        pipeline = self.pipeline(pipeline_id)
        if not hasattr(pipeline, "valves"):
            raise HttpError(404, "Valves for %s not found" % pipeline_id)
        return pipeline

    def update_valves(self, pipeline_id, values):
        pipeline = self.valved(pipeline_id)
        try:
            pipeline.valves = pipeline.valves.__class__(**values)
            with open(os.path.join(self.directory, self.names[pipeline_id], "valves.json"), "w") as handle:
                json.dump(pipeline.valves.model_dump(), handle)
            if hasattr(pipeline, "on_valves_updated"):
                self.run(pipeline.on_valves_updated())
        except Exception as failed:  # noqa: BLE001
            raise HttpError(500, str(failed))
        return pipeline.valves.model_dump()

    def filter(self, pipeline_id, stage, form):
        pipeline = self.pipeline(pipeline_id.split(".")[0], "Filter")
        if not isinstance(form, dict) or not isinstance(form.get("body"), dict):
            raise HttpError(422, "body: a JSON object is required")
        hook = getattr(pipeline, stage, None)
        if hook is None:
            return form["body"]
        try:
            return self.run(hook(form["body"], form.get("user")))
        except Exception as failed:  # noqa: BLE001
            raise HttpError(500, str(failed))

    def completion(self, form):
        model = form.get("model") if isinstance(form, dict) else None
        messages = form.get("messages") if isinstance(form, dict) else None
        if not isinstance(model, str) or not isinstance(messages, list):
            raise HttpError(422, "model and messages are required")
        module_id, _, sub_id = model.partition(".")
        pipeline = self.modules.get(module_id)
        if pipeline is None or getattr(pipeline, "type", "pipe") == "filter" or not hasattr(pipeline, "pipe"):
            raise HttpError(404, "Pipeline %s not found" % model)
        user_message = next((m.get("content") for m in reversed(messages)
                             if isinstance(m, dict) and m.get("role") == "user"), None)
        return pipeline.pipe(user_message=user_message, model_id=sub_id or model, messages=messages, body=form)


def chunk(model, content, finish=None):
    return {"id": "%s-%s" % (model, uuid.uuid4()), "object": "chat.completion.chunk", "created": int(time.time()),
            "model": model, "choices": [{"index": 0, "delta": {"content": content} if content is not None else {},
                                         "logprobs": None, "finish_reason": finish}]}


def completion_events(model, result):
    """The SSE lines of a streamed answer, as the real server frames a pipe's result."""
    parts = [result] if isinstance(result, str) else result
    for part in parts:
        if isinstance(part, bytes):
            part = part.decode()
        yield part + "\n\n" if part.startswith("data:") else "data: %s\n\n" % json.dumps(chunk(model, part))
    yield "data: %s\n\n" % json.dumps(chunk(model, None, "stop"))
    yield "data: [DONE]"


def completion_document(model, result):
    if isinstance(result, dict):
        return result
    text = result if isinstance(result, str) else "".join(result)
    return {"id": "%s-%s" % (model, uuid.uuid4()), "object": "chat.completion", "created": int(time.time()),
            "model": model, "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                                         "logprobs": None, "finish_reason": "stop"}]}


ROUTE = re.compile(r"^(?:/v1(?=/|$))?(?P<path>.*?)/*$")


class Handler(BaseHTTPRequestHandler):
    server_state = None
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def log_request(self, code="-", size="-"):
        """An access line as uvicorn writes it: INFO:     IP:PORT - "METHOD PATH HTTP/1.1" STATUS."""
        print('INFO:     %s:%s - "%s" %s' % (self.client_address[0], self.client_address[1], self.requestline, code),
              file=sys.stderr, flush=True)

    def answer(self, status, document):
        data = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def authorize(self):
        header = self.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise HttpError(403, "Not authenticated")
        if token != self.server_state.api_key:
            raise HttpError(401, "Invalid API key")

    def route(self, method):
        # The body is read first, whatever the method and the answer: left unread on a kept-alive
        # connection, it would be taken for the next request.
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        path = ROUTE.match(urlsplit(self.path).path).group("path") or "/"
        state = self.server_state
        if method == "GET" and path == "/":
            return {"status": True}
        self.authorize()
        form = None
        if method == "POST":
            try:
                form = json.loads(raw) if raw else None
            except ValueError:
                raise HttpError(422, "the body is not JSON")
        parts = path.strip("/").split("/")
        if method == "GET" and path == "/models":
            return state.models()
        if method == "GET" and path == "/pipelines":
            return {"data": [{"id": pid, "name": state.names[pid], "type": getattr(p, "type", "pipe"),
                              "valves": hasattr(p, "valves")} for pid, p in state.modules.items()]}
        if method == "POST" and path == "/pipelines/reload":
            state.reload()
            return {"message": "Pipelines reloaded successfully."}
        if method == "POST" and path == "/chat/completions":
            return self.complete(form)
        if method == "GET" and len(parts) == 2 and parts[1] == "valves":
            return state.valved(parts[0]).valves.model_dump()
        if method == "GET" and parts[1:] == ["valves", "spec"]:
            return state.valved(parts[0]).valves.model_json_schema()
        if method == "POST" and parts[1:] == ["valves", "update"]:
            if not isinstance(form, dict):
                raise HttpError(422, "valves: a JSON object is required")
            return state.update_valves(parts[0], form)
        if method == "POST" and len(parts) == 3 and parts[1] == "filter" and parts[2] in ("inlet", "outlet"):
            return state.filter(parts[0], parts[2], form)
        raise HttpError(404, "Not Found")

    def complete(self, form):
        result = self.server_state.completion(form)
        model = form["model"]
        if not form.get("stream"):
            return completion_document(model, result)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for event in completion_events(model, result):
            data = event.encode()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")
        return None

    def handle_method(self, method):
        try:
            document = self.route(method)
        except HttpError as failed:
            return self.answer(failed.status, {"detail": failed.detail})
        if document is not None:
            self.answer(200, document)
        return None

    def do_GET(self):
        self.handle_method("GET")

    def do_POST(self):
        self.handle_method("POST")


def build(environ, loop=None):
    """The server state of the environment's settings, loaded and started."""
    directory = environ.get("PIPELINES_DIR", "./pipelines")
    state = Server(directory, environ.get("PIPELINES_API_KEY") or DEFAULT_API_KEY, loop=loop)
    state.start()
    return state


def main(environ):  # pragma: no cover - starts what build() made; the scenarios run it
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()
    state = build(environ, loop)
    handler = type("H", (Handler,), {"server_state": state})
    httpd = ThreadingHTTPServer((environ.get("HOST", "0.0.0.0"), int(environ.get("PORT", "9099"))), handler)
    print("Pipelines stand-in listening on :%s with %d pipelines" % (httpd.server_address[1], len(state.modules)),
          file=sys.stderr, flush=True)
    httpd.serve_forever()


if __name__ == "__main__":  # pragma: no cover
    main(os.environ)
