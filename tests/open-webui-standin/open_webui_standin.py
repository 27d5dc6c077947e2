#!/usr/bin/env python3
"""A stand-in for Open WebUI 0.12 (ghcr.io/open-webui/open-webui), for `make test`'s time budget.

The real Open WebUI is built from PyPI for `make test-heavy` (tests/images/open-webui, 3.3 GB): too
heavy for every run. This keeps the parts of its contract the open_webui role and the stack's request
flow use, with the real settings:

  start (bash start.sh in /app/backend): WEBUI_SECRET_KEY (else .webui_secret_key), DATA_DIR's
    webui.db (users, config); the settings stored at the first start win over the environment
    afterwards unless ENABLE_PERSISTENT_CONFIG=false (ENABLE_SIGNUP, DEFAULT_MODELS); the admin of
    WEBUI_ADMIN_EMAIL/WEBUI_ADMIN_PASSWORD/WEBUI_ADMIN_NAME created while there is no user, and
    sign-up then stored off.
  GET  /health                        {"status": true}
  GET  /api/config                    name, version, features.auth/enable_signup; default_models signed in
  POST /api/v1/auths/signup           403 while sign-up is off and a user exists; the first user is admin
  POST /api/v1/auths/signin           {token, token_type, id, email, name, role}; 400 on a wrong password
  GET  /api/models                    Ollama's models (OLLAMA_BASE_URL /api/tags) and the pipes of each
                                      OPENAI_API_BASE_URLS entry (/models with its key); 401 signed out
  POST /api/chat/completions          the Pipelines filters' inlet (every filter whose `pipelines` has the
                                      model or "*", by priority, Bearer key), Ollama's /api/chat, the
                                      answer as OpenAI chunks (SSE, `usage` with Ollama's counts, [DONE])
                                      or one JSON, then the filters' outlet with the answer and its usage
  GET  /ws/socket.io/?EIO=4&transport=websocket|polling   the socket.io handshake (101 / 200)
The token is signed with WEBUI_SECRET_KEY: a new key signs everyone out, as in the real app.
`open_webui.models.users.Users.get_user_by_email`, `open_webui.models.auths.Auths.update_user_password_by_id`
and `open_webui.utils.auth.get_password_hash` exist in /app/backend/open_webui as in the real image.
"""

import base64
import hashlib
import hmac
import json
import os
import secrets
import sqlite3
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

VERSION = "0.12.4"
WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class HttpError(Exception):
    def __init__(self, status, detail):
        super().__init__(detail)
        self.status, self.detail = status, detail


def truthy(value, default):
    return (value if value is not None else default).strip().lower() == "true"


def password_hash(password, salt=None):
    salt = salt or secrets.token_hex(8)
    return "pbkdf2$%s$%s" % (salt, hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), 1000).hex())


def password_matches(password, stored):
    _, salt, _ = stored.split("$", 2)
    return hmac.compare_digest(password_hash(password, salt), stored)


class Store:
    """Users and stored settings in DATA_DIR/webui.db, as the app's database holds them."""

    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        with self.connect() as db:
            db.execute("CREATE TABLE IF NOT EXISTS user (id TEXT PRIMARY KEY, email TEXT UNIQUE, name TEXT, role TEXT,"
                       " password TEXT)")
            db.execute("CREATE TABLE IF NOT EXISTS config (key TEXT PRIMARY KEY, value TEXT)")

    def connect(self):
        return sqlite3.connect(self.path)

    def users(self):
        with self.connect() as db:
            return db.execute("SELECT count(*) FROM user").fetchone()[0]

    def user(self, column, value):
        with self.connect() as db:
            row = db.execute("SELECT id, email, name, role, password FROM user WHERE %s = ?" % column, (value,)).fetchone()
        return dict(zip(("id", "email", "name", "role", "password"), row)) if row else None

    def add_user(self, email, name, password, role):
        user = {"id": str(uuid.uuid4()), "email": email.lower(), "name": name, "role": role}
        with self.lock, self.connect() as db:
            db.execute("INSERT INTO user VALUES (?, ?, ?, ?, ?)",
                       (user["id"], user["email"], name, role, password_hash(password)))
        return user

    def set_password_hash(self, user_id, hashed):
        with self.lock, self.connect() as db:
            return db.execute("UPDATE user SET password = ? WHERE id = ?", (hashed, user_id)).rowcount == 1

    def stored(self, key):
        with self.connect() as db:
            row = db.execute("SELECT value FROM config WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def store(self, key, value):
        with self.lock, self.connect() as db:
            db.execute("INSERT OR REPLACE INTO config VALUES (?, ?)", (key, json.dumps(value)))


def settings(environ, store):
    """The app's configuration at start: the environment, or what the first start stored (persistent config)."""
    persistent = truthy(environ.get("ENABLE_PERSISTENT_CONFIG"), "True")
    values = {"ui.enable_signup": truthy(environ.get("ENABLE_SIGNUP"), "True"),
              "ui.default_models": environ.get("DEFAULT_MODELS", "")}
    config = {}
    for key, value in values.items():
        stored = store.stored(key) if persistent else None
        if stored is None:
            store.store(key, value)
            stored = value
        config[key] = stored if persistent else value
    config["ui.default_user_role"] = environ.get("DEFAULT_USER_ROLE", "pending")
    return config


def create_admin(environ, store, config):
    """WEBUI_ADMIN_*: the first admin while there is no user; sign-up is then stored off."""
    email, password = environ.get("WEBUI_ADMIN_EMAIL", ""), environ.get("WEBUI_ADMIN_PASSWORD", "")
    if not email or not password or store.users():
        return None
    user = store.add_user(email, environ.get("WEBUI_ADMIN_NAME", "Admin"), password, "admin")
    store.store("ui.enable_signup", False)
    if truthy(environ.get("ENABLE_PERSISTENT_CONFIG"), "True"):
        config["ui.enable_signup"] = False
    return user


def token_of(user_id, secret):
    signature = hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()
    return base64.urlsafe_b64encode(("%s.%s" % (user_id, signature)).encode()).decode()


def user_of_token(token, secret, store):
    try:
        user_id, _, signature = base64.urlsafe_b64decode(token.encode()).decode().partition(".")
    except (ValueError, UnicodeDecodeError):
        return None
    if not hmac.compare_digest(token_of(user_id, secret), token):
        return None
    return store.user("id", user_id)


def connections(environ):
    """The OpenAI-compatible connections (Pipelines): [(url, key)] from OPENAI_API_BASE_URLS/KEYS."""
    if not truthy(environ.get("ENABLE_OPENAI_API"), "True"):
        return []
    urls = [url.strip().rstrip("/") for url in environ.get("OPENAI_API_BASE_URLS", "").split(";") if url.strip()]
    keys = environ.get("OPENAI_API_KEYS", "").split(";")
    return [(url, keys[index].strip() if index < len(keys) else "") for index, url in enumerate(urls)]


def fetch_json(url, data=None, key=None, timeout=30, opener=urllib.request.urlopen):
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = "Bearer " + key
    request = urllib.request.Request(url, data=json.dumps(data).encode() if data is not None else None, headers=headers)
    with opener(request, timeout=timeout) as response:
        return json.loads(response.read())


def all_models(environ, log, opener=urllib.request.urlopen):
    """id -> model: Ollama's, then each connection's (pipes and filters, with their connection)."""
    models = {}
    if truthy(environ.get("ENABLE_OLLAMA_API"), "True") and environ.get("OLLAMA_BASE_URL"):
        try:
            for model in fetch_json(environ["OLLAMA_BASE_URL"].rstrip("/") + "/api/tags", opener=opener)["models"]:
                models[model["name"]] = {"id": model["name"], "name": model["name"], "owned_by": "ollama"}
        except (OSError, ValueError, KeyError) as failed:
            log("Ollama: %s" % failed)
    for index, (url, key) in enumerate(connections(environ)):
        try:
            listed = fetch_json(url + "/models", key=key, opener=opener)["data"]
        except (OSError, ValueError, KeyError) as failed:
            log("Connection %s: %s" % (url, failed))
            continue
        for model in listed:
            models[model["id"]] = dict(model, owned_by="openai", urlIdx=index)
    return models


def sorted_filters(model_id, models):
    filters = [model for model in models.values() if model.get("pipeline", {}).get("type") == "filter"
               and (model["pipeline"].get("pipelines") == ["*"] or model_id in model["pipeline"].get("pipelines", []))]
    return sorted(filters, key=lambda model: model["pipeline"].get("priority", 0))


def run_filters(stage, payload, user, models, environ, log, opener=urllib.request.urlopen):
    """Each filter's inlet/outlet in turn, as Open WebUI calls Pipelines: an HTTP error fails the chat,
    an unreachable server is logged and skipped."""
    links = connections(environ)
    person = {key: user[key] for key in ("id", "email", "name", "role")}
    for model in sorted_filters(payload["model"], models):
        url, key = links[model["urlIdx"]]
        if not key:
            continue
        try:
            payload = fetch_json("%s/%s/filter/%s" % (url, model["id"], stage), {"user": person, "body": payload},
                                 key=key, opener=opener)
        except urllib.error.HTTPError as failed:
            try:
                detail = json.loads(failed.read()).get("detail") or failed.reason
            except ValueError:
                detail = failed.reason
            raise HttpError(failed.code, detail)
        except (OSError, ValueError) as failed:
            log("Connection error: %s" % failed)
    return payload


def chunk(model, delta, finish=None, usage=None):
    document = {"id": "chatcmpl-" + model, "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    if usage is not None:
        document["usage"] = usage
    return document


def usage_of(final):
    """The usage Open WebUI reports for an Ollama answer: OpenAI's names beside Ollama's own counts."""
    prompt, completion = final.get("prompt_eval_count", 0), final.get("eval_count", 0)
    usage = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
    usage.update({name: final[name] for name in ("prompt_eval_count", "eval_count", "total_duration") if name in final})
    return usage


def ollama_chat(environ, payload, opener=urllib.request.urlopen):
    """Ollama's streamed answer: yields (content, final message or None)."""
    body = {"model": payload["model"], "messages": payload["messages"], "stream": True}
    request = urllib.request.Request(environ["OLLAMA_BASE_URL"].rstrip("/") + "/api/chat",
                                     data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with opener(request, timeout=300) as response:
        for line in response:
            if not line.strip():
                continue
            event = json.loads(line)
            if "error" in event:
                raise HttpError(400, event["error"])
            yield (event.get("message") or {}).get("content", ""), (event if event.get("done") else None)


def websocket_accept(key):
    return base64.b64encode(hashlib.sha1((key + WEBSOCKET_GUID).encode()).digest()).decode()


def text_frame(text):
    data = text.encode()
    return bytes([0x81, len(data)]) + data if len(data) < 126 else bytes([0x81, 126]) + len(data).to_bytes(2, "big") + data


class App:
    def __init__(self, environ, store, log, opener=urllib.request.urlopen):
        self.environ, self.store, self.log, self.opener = environ, store, log, opener
        self.secret = environ.get("WEBUI_SECRET_KEY") or environ.get("WEBUI_JWT_SECRET_KEY") or ""
        if not truthy(environ.get("WEBUI_AUTH"), "True"):
            raise SystemExit("open-webui-standin: WEBUI_AUTH=false is not supported by the stand-in")
        if not self.secret:
            raise SystemExit("open-webui-standin: WEBUI_SECRET_KEY is empty (start.sh sets one)")
        self.config = settings(environ, store)
        if create_admin(environ, store, self.config):
            log("Admin account created successfully: %s" % environ["WEBUI_ADMIN_EMAIL"])

    def signed_in(self, response):
        user = response
        return {"token": token_of(user["id"], self.secret), "token_type": "Bearer", "id": user["id"],
                "email": user["email"], "name": user["name"], "role": user["role"]}

    def signup(self, form):
        if self.store.users() and not self.config["ui.enable_signup"]:
            raise HttpError(403, "You do not have permission to access this resource. Please contact your administrator for assistance.")
        if not all(isinstance(form.get(name), str) and form[name] for name in ("name", "email", "password")):
            raise HttpError(422, "name, email and password are required")
        if self.store.user("email", form["email"].lower()):
            raise HttpError(400, "Uh-oh! This email is already registered. Sign in with your existing account or choose another email to start anew.")
        role = "admin" if not self.store.users() else self.config["ui.default_user_role"]
        return self.signed_in(self.store.add_user(form["email"], form["name"], form["password"], role))

    def signin(self, form):
        user = self.store.user("email", str(form.get("email", "")).lower())
        if user is None or not password_matches(str(form.get("password", "")), user["password"]):
            raise HttpError(400, "The email or password provided is incorrect. Please check for typos and try logging in again.")
        return self.signed_in(user)

    def public_config(self, user):
        document = {"status": True, "name": "Open WebUI", "version": VERSION,
                    "features": {"auth": True, "enable_signup": self.config["ui.enable_signup"], "enable_websocket": True}}
        if user is not None:
            document["default_models"] = self.config["ui.default_models"]
        return document

    def models(self):
        return all_models(self.environ, self.log, self.opener)

    def completion(self, form, user):
        models = self.models()
        if not isinstance(form.get("messages"), list) or form.get("model") not in models:
            raise HttpError(400, "Model not found")
        chat_id = form.get("chat_id") or ""
        payload = dict(form, metadata={"chat_id": chat_id, "message_id": form.get("id"),
                                       "session_id": form.get("session_id"), "user_id": user["id"]})
        payload = run_filters("inlet", payload, user, models, self.environ, self.log, self.opener)
        return payload, models

    def outlet(self, payload, models, user, content, final):
        message = {"role": "assistant", "content": content, "usage": usage_of(final or {})}
        data = {"model": payload["model"], "messages": payload["messages"] + [message], "chat_id": payload["metadata"]["chat_id"],
                "session_id": payload["metadata"].get("session_id"), "id": payload["metadata"].get("message_id")}
        try:
            run_filters("outlet", data, user, models, self.environ, self.log, self.opener)
        except HttpError as failed:
            self.log("Pipeline outlet filter error: %s" % failed.detail)


class Handler(BaseHTTPRequestHandler):
    app = None
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, document, headers=()):
        data = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def user(self):
        header = self.headers.get("Authorization", "")
        token = header[7:] if header.startswith("Bearer ") else ""
        if not token:
            for part in (self.headers.get("Cookie") or "").split(";"):
                name, _, value = part.strip().partition("=")
                token = value if name == "token" else token
        return user_of_token(token, self.app.secret, self.app.store) if token else None

    def form(self):
        length = int(self.headers.get("Content-Length") or 0)
        try:
            form = json.loads(self.rfile.read(length)) if length else {}
        except ValueError:
            raise HttpError(422, "the body is not JSON")
        if not isinstance(form, dict):
            raise HttpError(422, "the body must be an object")
        return form

    def verified(self):
        user = self.user()
        if user is None:
            raise HttpError(401, "Not authenticated")
        if user["role"] == "pending":
            raise HttpError(401, "Your account is pending activation.")
        return user

    def do_GET(self):
        # A body on a GET is read and dropped: left unread, it would be taken for the next request on
        # a kept-alive connection (Traefik keeps them).
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            self.route_get(urlsplit(self.path))
        except HttpError as failed:
            self.answer(failed.status, {"detail": failed.detail})

    def do_POST(self):
        try:
            self.route_post(urlsplit(self.path).path.rstrip("/"))
        except HttpError as failed:
            self.answer(failed.status, {"detail": failed.detail})

    def route_get(self, url):
        path = url.path.rstrip("/")
        if path == "/health":
            return self.answer(200, {"status": True})
        if path == "/api/config":
            return self.answer(200, self.app.public_config(self.user()))
        if path == "/api/models":
            self.verified()
            return self.answer(200, {"data": [dict(model, object="model") for model in self.app.models().values()
                                              if model.get("pipeline", {}).get("type") != "filter"]})
        if path == "/ws/socket.io":
            return self.socket_io(url.query)
        raise HttpError(404, "Not Found")

    def route_post(self, path):
        if path == "/api/v1/auths/signup":
            return self.answer(200, self.app.signup(self.form()))
        if path == "/api/v1/auths/signin":
            return self.answer(200, self.app.signin(self.form()))
        if path in ("/api/chat/completions", "/api/v1/chat/completions"):
            user = self.verified()
            form = self.form()
            payload, models = self.app.completion(form, user)
            return self.stream(payload, models, user) if form.get("stream") else self.whole(payload, models, user)
        raise HttpError(404, "Not Found")

    def whole(self, payload, models, user):
        parts, final = [], None
        for content, last in ollama_chat(self.app.environ, payload, self.app.opener):
            parts.append(content)
            final = last or final
        content = "".join(parts)
        self.app.outlet(payload, models, user, content, final)
        self.answer(200, {"id": "chatcmpl-" + payload["model"], "object": "chat.completion", "model": payload["model"],
                          "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                                       "finish_reason": "stop"}], "usage": usage_of(final or {})})

    def stream(self, payload, models, user):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        parts, final = [], None

        def send(document):
            data = ("data: %s\n\n" % (document if isinstance(document, str) else json.dumps(document))).encode()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()
        for content, last in ollama_chat(self.app.environ, payload, self.app.opener):
            if content:
                parts.append(content)
                send(chunk(payload["model"], {"content": content}))
            final = last or final
        send(chunk(payload["model"], {}, "stop", usage_of(final or {})))
        send("[DONE]")
        self.wfile.write(b"0\r\n\r\n")
        self.app.outlet(payload, models, user, "".join(parts), final)

    def socket_io(self, query):
        handshake = "0" + json.dumps({"sid": uuid.uuid4().hex, "upgrades": ["websocket"], "pingInterval": 25000,
                                      "pingTimeout": 20000, "maxPayload": 1000000})
        if "transport=websocket" in query and self.headers.get("Upgrade", "").lower() == "websocket":
            self.send_response(101)
            self.send_header("Upgrade", "websocket")
            self.send_header("Connection", "Upgrade")
            self.send_header("Sec-WebSocket-Accept", websocket_accept(self.headers.get("Sec-WebSocket-Key", "")))
            self.end_headers()
            self.wfile.write(text_frame(handshake))
            self.close_connection = True
            return None
        if "transport=polling" in query:
            data = handshake.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return None
        raise HttpError(400, "Bad Request")


def data_dir(environ):
    return environ.get("DATA_DIR", "/app/backend/data")


def log_line(message):
    print(message, file=sys.stderr, flush=True)


def build(environ, log=log_line):
    os.makedirs(data_dir(environ), exist_ok=True)
    return App(environ, Store(os.path.join(data_dir(environ), "webui.db")), log)


def main(environ):  # pragma: no cover - starts what build() made; the scenarios run it
    app = build(environ)
    handler = type("H", (Handler,), {"app": app})
    httpd = ThreadingHTTPServer((environ.get("HOST", "0.0.0.0"), int(environ.get("PORT", "8080"))), handler)
    print("Open WebUI stand-in %s on :%s" % (VERSION, httpd.server_address[1]), file=sys.stderr, flush=True)
    httpd.serve_forever()


if __name__ == "__main__":  # pragma: no cover
    main(os.environ)
