"""
title: Langfuse trace filter (selfhosted.ai_stack)
author: selfhosted.ai_stack
version: 1.0.0
license: MIT
description: Opens a Langfuse trace and generation per chat request (inlet) and closes the generation with the answer, token usage and latency (outlet). A Langfuse outage never blocks or fails a chat.
requirements: langfuse==2.60.10
"""
# Loaded by the Pipelines server the way it loads every file of its pipelines directory: the
# docstring above is read for `requirements` (installed with pip before import), the class
# `Pipeline` is instantiated, valves come from `<this file's name>/valves.json` beside it.

import logging
import time
from datetime import datetime, timezone
from typing import List, Optional

from pydantic import BaseModel

LOG = logging.getLogger("langfuse_filter")
# Requests whose outlet never came (a client that went away) are dropped oldest first beyond this.
MAX_OPEN_REQUESTS = 1000
# Open WebUI's own background tasks (chat title, tags, follow-ups) are traced under their name.
CHAT_TRACE_NAME = "chat"


def text_of(content):
    """The text of a message's content: a string, or the text parts of a multimodal list."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(part.get("text", "") for part in content
                         if isinstance(part, dict) and part.get("type") == "text")
    return ""


def last_message(messages, role):
    """The last message of a role in a chat's message list, or None."""
    for message in reversed(messages or []):
        if isinstance(message, dict) and message.get("role") == role:
            return message
    return None


def request_key(body, user=None):
    """What ties an outlet to its inlet: the chat id Open WebUI sends both times, or - for a chat
    through its API, which has none - the user and the model (one request at a time per user and model)."""
    metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
    chat_id = body.get("chat_id") or metadata.get("chat_id")
    if chat_id:
        return str(chat_id)
    return "api:%s:%s" % (user_of(user) or "anonymous", body.get("model") or "")


def token_count(values, names):
    for name in names:
        value = values.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
    return None


def usage_of(message):
    """Token usage of an answer as Langfuse takes it, from Ollama's counts (prompt_eval_count,
    eval_count) or the OpenAI names Open WebUI may put beside them; None when there are none."""
    usage = {}
    for source in ("usage", "info"):
        if isinstance(message.get(source), dict):
            usage = {**message[source], **usage}
    counts = {"input": token_count(usage, ("prompt_eval_count", "prompt_tokens", "input_tokens")),
              "output": token_count(usage, ("eval_count", "completion_tokens", "output_tokens"))}
    counts = {name: value for name, value in counts.items() if value is not None}
    if not counts:
        return None
    counts["unit"] = "TOKENS"
    return counts


def user_of(user):
    """The Langfuse user id: the account's e-mail, else its id."""
    if not isinstance(user, dict):
        return None
    return user.get("email") or user.get("id") or None


def error_of(message):
    """The error text Open WebUI records on a failed answer, or None."""
    error = message.get("error")
    if isinstance(error, dict):
        return str(error.get("content") or error.get("message") or error)
    return str(error) if error else None


class Pipeline:
    class Valves(BaseModel):
        pipelines: List[str] = ["*"]
        priority: int = 0
        public_key: str = ""
        secret_key: str = ""
        host: str = ""
        debug: bool = False

    def __init__(self):
        self.type = "filter"
        self.name = "Langfuse trace filter"
        self.valves = self.Valves()
        self.langfuse = None
        self.open = {}  # request key -> (trace, generation, start monotonic time)

    async def on_startup(self):
        self.connect()

    async def on_shutdown(self):
        if self.langfuse is not None:
            try:
                self.langfuse.shutdown()
            except Exception as failed:  # noqa: BLE001 - an outage must not stop the server
                LOG.warning("langfuse: shutdown failed: %s", failed)

    async def on_valves_updated(self):
        await self.on_shutdown()
        self.connect()

    def connect(self):
        """A client for the valves' project, or none (and every chat passes untraced) without keys."""
        self.langfuse = None
        missing = [name for name in ("public_key", "secret_key", "host") if not getattr(self.valves, name)]
        if missing:
            LOG.warning("langfuse: not tracing, valves %s are empty", ", ".join(missing))
            return
        try:
            from langfuse import Langfuse
            self.langfuse = Langfuse(public_key=self.valves.public_key, secret_key=self.valves.secret_key,
                                     host=self.valves.host, debug=self.valves.debug)
        except Exception as failed:  # noqa: BLE001
            LOG.warning("langfuse: not tracing, the client failed to start: %s", failed)

    async def inlet(self, body: dict, user: Optional[dict] = None) -> dict:
        try:
            self.open_request(body, user)
        except Exception as failed:  # noqa: BLE001 - tracing never fails a chat
            LOG.warning("langfuse: inlet not traced: %s", failed)
        return body

    async def outlet(self, body: dict, user: Optional[dict] = None) -> dict:
        try:
            self.close_request(body, user)
        except Exception as failed:  # noqa: BLE001
            LOG.warning("langfuse: outlet not traced: %s", failed)
        return body

    def open_request(self, body, user):
        if self.langfuse is None:
            return
        key = request_key(body, user)
        metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
        question = last_message(body.get("messages"), "user")
        trace = self.langfuse.trace(
            name=metadata.get("task") or CHAT_TRACE_NAME,
            user_id=user_of(user),
            session_id=key,
            input=text_of(question.get("content")) if question else None,
            metadata={"chat_id": key, "message_id": metadata.get("message_id")},
        )
        generation = trace.generation(
            name=body.get("model") or "model",
            model=body.get("model"),
            input=body.get("messages"),
            start_time=datetime.now(timezone.utc),
        )
        self.open.pop(key, None)  # a retried request replaces its unanswered predecessor
        while len(self.open) >= MAX_OPEN_REQUESTS:
            self.open.pop(next(iter(self.open)))
        self.open[key] = (trace, generation, time.monotonic())

    def close_request(self, body, user=None):
        if self.langfuse is None:
            return
        key = request_key(body, user)
        request = self.open.pop(key, None)
        if request is None:
            LOG.info("langfuse: an outlet without its inlet (%s): not traced", key)
            return
        trace, generation, started = request
        answer = last_message(body.get("messages"), "assistant") or {}
        output = text_of(answer.get("content"))
        error = error_of(answer)
        generation.end(
            output=output,
            usage=usage_of(answer),
            end_time=datetime.now(timezone.utc),
            metadata={"latency_ms": round((time.monotonic() - started) * 1000)},
            level="ERROR" if error else None,
            status_message=error,
        )
        trace.update(output=output)
