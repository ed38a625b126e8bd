"""JSON from outside (chain nodes, price vendors, registry files) parsed with bounds.

Python's json parser recurses once per nesting level; a library in the chain stack
(py_ecc, under web3) raises the interpreter's recursion limit to 100,000, so a reply of
100,000 nested brackets overflows the C stack and kills the process instead of raising.
Nesting is therefore measured first, in linear time, and refused past MAX_DEPTH.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 64  # nesting levels; JSON-RPC and the registry need fewer than 10
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")


class JSONTooDeep(ValueError):
    pass


def nesting_depth(data: bytes | str) -> int:
    """The deepest nesting of [ and { outside strings (linear in the input)."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else bytes(data)
    brackets = _STRING.sub(b"", raw).translate(None, _NOT_BRACKET)
    depth = deepest = 0
    for byte in brackets:
        if byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def check_depth(data: bytes | str, *, max_depth: int = MAX_DEPTH) -> None:
    if nesting_depth(data) > max_depth:
        raise JSONTooDeep(f"JSON nested deeper than {max_depth} levels")


def loads(data: bytes | str, *, max_depth: int = MAX_DEPTH, **kwargs: Any) -> Any:
    """json.loads after refusing input nested deeper than `max_depth` (JSONTooDeep, a
    ValueError)."""
    check_depth(data, max_depth=max_depth)
    return json.loads(data, **kwargs)
