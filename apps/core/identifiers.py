"""Identifier checks shared by every app: ISIN, CUSIP, LEI, EVM and Solana addresses.

Each `check_*` returns the normalised value or raises ValueError with a short
reason, so the registry loader, the statement importers and model validators
all report the same words.
"""

from __future__ import annotations

import re

from eth_utils import is_checksum_address, to_checksum_address

_ISIN_RE = re.compile(r"^[A-Z]{2}[A-Z0-9]{9}[0-9]$")
_CUSIP_RE = re.compile(r"^[A-Z0-9*@#]{8}[0-9]$")
_LEI_RE = re.compile(r"^[A-Z0-9]{18}[0-9]{2}$")
_EVM_RE = re.compile(r"^0x[0-9a-fA-F]{40}$")
_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58_ALPHABET)}


def _luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        n = int(char)
        if position % 2 == 1:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


def cusip_check_digit(body: str) -> int:
    """Check digit of the first eight characters of a CUSIP."""
    total = 0
    for i, char in enumerate(body):
        if char.isdigit():
            v = int(char)
        elif char.isalpha():
            v = ord(char) - ord("A") + 10
        else:
            v = {"*": 36, "@": 37, "#": 38}[char]
        if i % 2 == 1:
            v *= 2
        total += v // 10 + v % 10
    return (10 - total % 10) % 10


def check_isin(value: object) -> str:
    """An ISIN with a valid ISO 6166 check digit (and CUSIP check digit for US/CA)."""
    if not isinstance(value, str):
        raise ValueError("must be a string")
    isin = value.strip().upper()
    if not _ISIN_RE.match(isin):
        raise ValueError(f"{value!r} is not an ISIN (2 letters, 9 alphanumerics, 1 digit)")
    digits = "".join(str(int(c, 36)) for c in isin)
    if not _luhn_ok(digits):
        raise ValueError(f"{isin}: bad check digit")
    if isin[:2] in {"US", "CA"}:
        cusip = isin[2:11]
        if _CUSIP_RE.match(cusip) and cusip_check_digit(cusip[:8]) != int(cusip[8]):
            raise ValueError(f"{isin}: bad CUSIP check digit")
    return isin


def check_lei(value: object) -> str:
    """A Legal Entity Identifier (ISO 17442) with valid mod-97 check digits."""
    if not isinstance(value, str):
        raise ValueError("must be a string")
    lei = value.strip().upper()
    if not _LEI_RE.match(lei):
        raise ValueError(f"{value!r} is not an LEI (20 characters)")
    if int("".join(str(int(c, 36)) for c in lei)) % 97 != 1:
        raise ValueError(f"{lei}: bad check digits")
    return lei


def check_evm_address(value: object) -> str:
    """An EVM address; mixed case must be a valid EIP-55 checksum. Returns EIP-55 form."""
    if not isinstance(value, str) or not _EVM_RE.match(value):
        raise ValueError(f"{value!r} is not an EVM address (0x and 40 hex digits)")
    body = value[2:]
    mixed = body != body.lower() and body != body.upper()
    if mixed and not is_checksum_address(value):
        raise ValueError(f"{value}: bad EIP-55 checksum")
    return to_checksum_address(value)


def b58decode(value: str) -> bytes:
    number = 0
    for char in value:
        if char not in _B58_INDEX:
            raise ValueError(f"{value!r}: {char!r} is not a base58 character")
        number = number * 58 + _B58_INDEX[char]
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    leading = len(value) - len(value.lstrip("1"))
    return b"\x00" * leading + body


def b58encode(raw: bytes) -> str:
    number = int.from_bytes(raw, "big")
    out = ""
    while number:
        number, rem = divmod(number, 58)
        out = _B58_ALPHABET[rem] + out
    leading = len(raw) - len(raw.lstrip(b"\x00"))
    return "1" * leading + out


def check_solana_address(value: object) -> str:
    """A Solana account or mint: base58 text of exactly 32 bytes."""
    if not isinstance(value, str) or not 32 <= len(value) <= 44:
        raise ValueError(f"{value!r} is not a Solana address (base58, 32 bytes)")
    raw = b58decode(value)
    if len(raw) != 32:
        raise ValueError(f"{value}: decodes to {len(raw)} bytes, not 32")
    return value


def check_address(kind: str, value: object) -> str:
    """An on-chain address for a chain of the given kind ("evm" or "solana")."""
    if kind == "evm":
        return check_evm_address(value)
    if kind == "solana":
        return check_solana_address(value)
    raise ValueError(f"unknown chain kind {kind!r}")


def check_country(value: object) -> str:
    """An ISO 3166-1 alpha-2 code (shape only)."""
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z]{2}", value.strip()):
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code")
    return value.strip().upper()
