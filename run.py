#!/usr/bin/env python3
"""One command each for a fresh machine with only Python 3.11+:

    python3 run.py demo    # make .venv, install, seed demo data, serve http://127.0.0.1:8050
    python3 run.py test    # make .venv, install with test extras, ruff + the layer contracts + the whole pytest suite

Extra arguments after `test` go to pytest; after `demo` to `microbill demo` (e.g. --port 8060).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def ensure_venv(extras: str) -> None:
    if sys.version_info < (3, 11):
        sys.exit("Microbill needs Python 3.11 or newer")
    if not (BIN / "python").exists():
        print("creating .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    # Reinstall only when pyproject.toml or the extras change (keeps repeat runs fast).
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    stamp = VENV / f".installed-{extras or 'base'}"
    if stamp.exists() and stamp.read_text() == digest:
        return
    print(f"installing microbill{'[' + extras + ']' if extras else ''} into .venv …", flush=True)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    target = f".[{extras}]" if extras else "."
    subprocess.run([*pip, "-e", target], check=True, cwd=ROOT)
    stamp.write_text(digest)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"demo", "test"}:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "demo":
        ensure_venv("")
        return subprocess.call([str(BIN / "microbill"), "demo", *rest], cwd=ROOT)
    ensure_venv("test")
    for check in (["ruff", "check", "."], ["lint-imports"]):  # lint-imports: the layers in pyproject.toml
        failed = subprocess.call([str(BIN / check[0]), *check[1:]], cwd=ROOT)
        if failed:
            return failed
    # One worker per core; an idle worker takes tests from a busy one (the long browser files). `-n 0`: serially.
    parallel = [] if any(arg.startswith("-n") for arg in rest) else ["-n", "auto", "--dist", "worksteal"]
    return subprocess.call([str(BIN / "python"), "-m", "pytest", *parallel, *rest], cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
