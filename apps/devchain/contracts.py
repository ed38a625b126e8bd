"""The project's Solidity contracts, compiled with solcjs from node_modules and cached.

Artefacts are written under `<XSTOCKS_VAR_DIR>/build/contracts/<hash of sources>/`, so
a changed source is recompiled and an unchanged one costs nothing.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings

CONTRACTS_DIR = Path(settings.BASE_DIR) / "contracts"
SOLCJS = Path(settings.BASE_DIR) / "node_modules" / ".bin" / "solcjs"
SOURCES = ("XStockToken.sol", "DemoOracle.sol", "PlainERC20.sol")
COMPILE_TIMEOUT = 120  # seconds; solcjs takes about 4 s for both contracts


@dataclass(frozen=True)
class Artifact:
    name: str
    abi: list[dict]
    bytecode: str  # creation code, 0x-prefixed


class CompileError(RuntimeError):
    pass


def _digest() -> str:
    h = hashlib.sha256()
    for name in SOURCES:
        h.update(name.encode())
        h.update((CONTRACTS_DIR / name).read_bytes())
    return h.hexdigest()[:16]


def build_dir() -> Path:
    return Path(settings.VAR_DIR) / "build" / "contracts" / _digest()


def compile_all() -> Path:
    """Compile every source unless the cache for these exact sources is there."""
    out = build_dir()
    if (out / ".complete").exists():
        return out
    if not SOLCJS.exists():
        raise CompileError(f"{SOLCJS} is missing: run `npm ci` (or `make install`) first")
    out.mkdir(parents=True, exist_ok=True)
    sources = [f"contracts/{name}" for name in SOURCES]
    proc = subprocess.run(  # noqa: S603 - fixed argv, our own files
        [str(SOLCJS), "--bin", "--abi", "--optimize", "-o", str(out), *sources],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=COMPILE_TIMEOUT,
        check=False,
    )
    if proc.returncode != 0:
        raise CompileError(f"solcjs failed: {proc.stderr.strip() or proc.stdout.strip()}")
    (out / ".complete").write_text("ok\n")
    return out


@cache
def artifact(name: str) -> Artifact:
    """ABI and creation bytecode of one contract (XStockToken, DemoOracle or PlainERC20)."""
    out = compile_all()
    stem = f"contracts_{name}_sol_{name}"
    try:
        abi = json.loads((out / f"{stem}.abi").read_text())
        bytecode = (out / f"{stem}.bin").read_text().strip()
    except FileNotFoundError as exc:
        raise CompileError(f"no artefact for {name} in {out}") from exc
    return Artifact(name=name, abi=abi, bytecode="0x" + bytecode.removeprefix("0x"))
