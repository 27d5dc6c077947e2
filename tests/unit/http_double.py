"""What the HTTP doubles of the unit tests share: one answer, JSON or raw bytes, with its length."""
import json


def answer(handler, status, body, content_type="application/json"):
    """Sends `body` (JSON-encoded unless it is bytes) as the whole response of `handler`."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)
