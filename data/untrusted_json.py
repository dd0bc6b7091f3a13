"""JSON from outside (request bodies, a form field, a query argument), read so that no input can crash a worker.

The standard library's parser recurses once per nesting level (100,000 "[" is a RecursionError, a 500), turns
a 5,000-digit number into a ValueError only after Python's int-string limit, and accepts lone surrogates
("\\ud800") that PostgreSQL then refuses. orjson refuses all three as malformed JSON (depth over 1,024, a number
beyond a double, an unpaired surrogate), in C and without recursion in Python: a ValueError the caller answers as
a 400. It also refuses NaN/Infinity, which is not JSON.
"""

from __future__ import annotations

from typing import Any

import orjson


def loads(text: str | bytes) -> Any:
    """The value, or ValueError (json.JSONDecodeError) for anything that is not plain JSON."""
    return orjson.loads(text)
