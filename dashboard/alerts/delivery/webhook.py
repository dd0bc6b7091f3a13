"""Webhook delivery: a JSON POST signed with HMAC-SHA256, retried with exponential backoff.

The receiver recomputes `sha256=<hex hmac of the raw body>` with the shared secret and compares it
to the X-Microbill-Signature header (constant-time); X-Microbill-Delivery lets it drop repeats.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

SIGNATURE_HEADER = "X-Microbill-Signature"
RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}


class WebhookError(Exception):
    """The endpoint did not take the delivery (after all retries, or a final 4xx)."""


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str | None) -> bool:
    return bool(header) and hmac.compare_digest(signature(secret, body), header or "")


def post_json(url: str, payload: dict[str, Any], secret: str, *, attempts: int = 3, backoff: float = 0.5,
              timeout: float = 10.0, headers: dict[str, str] | None = None,
              sleep: Callable[[float], None] = time.sleep) -> int:
    """POST `payload`; returns the HTTP status. Retries connection errors, timeouts, 429 and 5xx."""
    if not url.startswith(("http://", "https://")):
        raise WebhookError(f"not an http(s) URL: {url!r}")
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    all_headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "Microbill-Webhook/1",
                   **(headers or {})}
    if secret:
        all_headers[SIGNATURE_HEADER] = signature(secret, body)
    last = "no attempt"
    for attempt in range(max(attempts, 1)):
        if attempt:
            sleep(backoff * 2 ** (attempt - 1))
        request = urllib.request.Request(url, data=body, headers=all_headers, method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (http(s) checked above)
                return response.status
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}"
            if exc.code not in RETRY_STATUS:
                raise WebhookError(last) from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            last = f"{type(exc).__name__}: {exc}"
    raise WebhookError(last)
