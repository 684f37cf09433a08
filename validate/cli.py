"""Command line: `python -m validate [check] [PATH]`. Each command is one function; its docstring is its help."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .paths import DEFAULT_MAX_BYTES
from .problems import RENDERERS

USAGE_ERROR = 2


def check(path: Path, fmt: str = "text", max_bytes: int = DEFAULT_MAX_BYTES) -> int:
    """Validate the data package at PATH: descriptor, every table, every cross-table rule, every
    evidence span and sentence coverage. Prints one problem per line as
    path:line:column: code: message. Exit 0 when valid, 1 when invalid, 2 on a usage error."""
    from .core import validate_package  # imported here so that --help stays fast

    problems = validate_package(path, max_bytes)
    sys.stdout.write(RENDERERS[fmt](problems))
    return 1 if problems else 0


COMMANDS = {"check": check}


def parser(command: str) -> argparse.ArgumentParser:
    func = COMMANDS[command]
    p = argparse.ArgumentParser(prog=f"python -m validate {command}", description=func.__doc__)
    p.add_argument("path", nargs="?", default=".", type=Path, metavar="PATH", help="package directory (default: .)")
    p.add_argument("--format", choices=sorted(RENDERERS), default="text", help="text for people, json for machines, github for workflow annotations")
    p.add_argument("--max-bytes", type=int, default=DEFAULT_MAX_BYTES, help=f"refuse files larger than this (default {DEFAULT_MAX_BYTES})")
    return p


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = argv.pop(0) if argv and argv[0] in COMMANDS else "check"
    try:
        args = parser(command).parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors and 0 after --help
        return int(exc.code or 0)
    if not args.path.is_dir():
        print(f"python -m validate: {args.path} is not a directory", file=sys.stderr)
        return USAGE_ERROR
    if args.max_bytes <= 0:
        print("python -m validate: --max-bytes must be positive", file=sys.stderr)
        return USAGE_ERROR
    try:
        return COMMANDS[command](args.path, args.format, args.max_bytes)
    except Exception as exc:  # a bug in this tool must still not print a traceback at a contributor
        print(f"python -m validate: internal error ({type(exc).__name__}: {exc}); please report it", file=sys.stderr)
        return USAGE_ERROR
