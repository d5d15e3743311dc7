"""Limits the chat's HTTP server keeps, whatever Gradio's defaults: no uploads, bounded request bodies,
and a refusal from a full queue that tells the client to retry.

An ASGI middleware, so it covers every route Gradio serves (the page, `/ask`, the MCP server) without
patching them one by one.
"""

from __future__ import annotations

import json

# A question is cut at 1,000 characters and only the last user question of a history is read, so
# a legitimate request is a few kilobytes; this leaves room for a long pasted history (and the
# 100 KB hostile inputs the tests send) while 8 concurrent requests hold at most 2 MB.
MAX_REQUEST_BYTES = 256 * 1024
RETRY_AFTER_S = 5  # what a client refused by a full queue is told to wait
UPLOAD_SUFFIX = "/upload"  # Gradio's /gradio_api/upload; the chat has no file input


class RequestLimits:
    """ASGI middleware: uploads refused (403), bodies over ``max_bytes`` refused (413), a full queue's
    503 rewritten as a sentence that says to retry, with a Retry-After header."""

    def __init__(self, app, max_bytes: int = MAX_REQUEST_BYTES, queue_size: int | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.queue_size = queue_size

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        if path.rstrip("/").endswith(UPLOAD_SUFFIX):
            await _reply(send, 403, "uploads are turned off: this chat takes no files")
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await _reply(send, 413, self.too_large())
            return
        seen, over = 0, False

        async def counted_receive():
            # A body sent without a length (chunked) is cut at the limit: the app sees a short body
            # and fails to parse it, and its answer is replaced by the 413 below.
            nonlocal seen, over
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    over = True
                    return {"type": "http.request", "body": b"", "more_body": False}
            return message

        held: dict | None = None

        async def checked_send(message) -> None:
            nonlocal held
            if over:
                if message["type"] == "http.response.start":
                    await _reply(send, 413, self.too_large())
                return
            if message["type"] == "http.response.start" and message["status"] == 503:
                held = message  # Gradio's "Queue is full…": replaced by a sentence that says what to do
                return
            if held is not None and message["type"] == "http.response.body":
                if not message.get("more_body"):
                    await _reply(send, 503, self.busy(), {"retry-after": str(RETRY_AFTER_S)})
                return
            await send(message)

        await self.app(scope, counted_receive, checked_send)

    def too_large(self) -> str:
        return (
            f"request too large: the limit is {self.max_bytes // 1024} KB for a question and its history "
            "(a question is read up to 1,000 characters)"
        )

    def busy(self) -> str:
        waiting = (
            f"{self.queue_size} questions are already waiting" if self.queue_size else "the queue is full"
        )
        return f"the chat is busy: {waiting}; retry in {RETRY_AFTER_S} seconds"


async def _reply(send, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
    body = json.dumps({"detail": detail, "error": detail}, ensure_ascii=False).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
