"""Small editors for a package copy: each returns where the change landed, so tests can assert
on (file, line, field, code) without hard-coding line numbers that sorting would move."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from validate.canonical import canonical_rows, render
from validate.core import validate_package


def sentence_at(root: Path, phrase: str, source: str = "src-0a85bdf091dd711d") -> tuple[str, int, str]:
    """(path, line, column) of the start of the sentence that contains `phrase`."""
    from schemas.coverage import sentences

    path = f"data/sources/{source}.txt"
    text = (root / path).read_text(encoding="utf-8")
    pos = text.index(phrase)
    start = next(s for s, e in sentences(text) if s <= pos < e)
    return path, text.count("\n", 0, start) + 1, str(start - text.rfind("\n", 0, start))


def synthetic(tmp_path_factory, rows: int) -> Pkg:
    """A new synthetic package of `rows` events under this repository's descriptor, to edit."""
    from validate.cli import main

    out = tmp_path_factory.mktemp("synth") / "pkg"
    assert main(["synth", str(out), "--rows", str(rows), "--from", str(Path(__file__).resolve().parent.parent)]) == 0
    return Pkg(out)


def keys(problems) -> set[tuple[str, int, str, str]]:
    return {p.key for p in problems}


class Pkg:
    def __init__(self, root: Path):
        self.root = root

    # -- files
    def rel(self, name: str) -> str:
        return f"data/{name}.csv"

    def path(self, name: str) -> Path:
        return self.root / self.rel(name)

    def raw(self, name: str) -> bytes:
        return self.path(name).read_bytes()

    def write_raw(self, name: str, data: bytes) -> None:
        self.path(name).write_bytes(data)

    def descriptor(self) -> dict:
        return json.loads((self.root / "datapackage.json").read_text(encoding="utf-8"))

    def write_descriptor(self, data: dict) -> str:
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        (self.root / "datapackage.json").write_text(text, encoding="utf-8")
        return text

    def resource(self, data: dict, name: str) -> dict:
        return next(r for r in data["resources"] if r["name"] == name)

    # -- rows
    def rows(self, name: str) -> list[list[str]]:
        return list(csv.reader(io.StringIO(self.raw(name).decode("utf-8"))))

    def write_rows(self, name: str, rows: list[list[str]]) -> None:
        self.write_raw(name, render(rows).encode("utf-8"))  # canonical quoting, so the edit is the only difference

    def line_of(self, name: str, *key: str) -> int:
        """File line of the first row whose leading cells equal `key` (csv's own line count)."""
        reader = csv.reader(io.StringIO(self.raw(name).decode("utf-8")))
        start = 1
        for row in reader:
            if row[: len(key)] == list(key):
                return start
            start = reader.line_num + 1
        raise KeyError(key)

    def _write_sorted(self, name: str, rows: list[list[str]], mine: list[str]) -> int:
        """Write rows in canonical order (so an edit is the only problem) and return the line of `mine`."""
        pk = self.resource(self.descriptor(), name)["schema"]["primaryKey"]
        rows = canonical_rows(rows[0], rows[1:], rows[0], pk)
        self.write_rows(name, rows)
        index = next(i for i, r in enumerate(rows) if r is mine)  # sorting keeps the row objects
        return 1 + index + sum(cell.count("\n") for r in rows[:index] for cell in r)

    def _matches(self, name: str, header: list[str], key: tuple):
        """A row test: the whole primary key when `key` has as many parts, else the leading cells."""
        pk = self.resource(self.descriptor(), name)["schema"]["primaryKey"]
        if len(key) == len(pk):
            cols = [header.index(f) for f in pk]
            return lambda r: [r[c] for c in cols] == list(key)
        return lambda r: r[: len(key)] == list(key)

    def set(self, name: str, key: str | tuple, field: str, value: str) -> tuple[str, int, str]:
        key = (key,) if isinstance(key, str) else key
        rows = self.rows(name)
        col = rows[0].index(field)
        match = self._matches(name, rows[0], key)
        row = next(r for r in rows[1:] if match(r))
        row[col] = value
        return self.rel(name), self._write_sorted(name, rows, row), field

    def key(self, name: str, index: int = 0) -> str | tuple:
        """The primary key of the table's row `index` (in file order): tests pick rows from the data
        instead of restating ids that a correction may change."""
        pk = self.resource(self.descriptor(), name)["schema"]["primaryKey"]
        rows = self.rows(name)
        values = tuple(rows[1 + index][rows[0].index(f)] for f in pk)
        return values[0] if len(values) == 1 else values

    def version(self) -> str:
        return self.descriptor()["version"]

    def get(self, name: str, key: str | tuple, field: str) -> str:
        key = (key,) if isinstance(key, str) else key
        rows = self.rows(name)
        match = self._matches(name, rows[0], key)
        return next(r for r in rows[1:] if match(r))[rows[0].index(field)]

    def delete(self, name: str, key: str | tuple) -> None:
        key = (key,) if isinstance(key, str) else key
        rows = self.rows(name)
        match = self._matches(name, rows[0], key)
        self.write_rows(name, rows[:1] + [r for r in rows[1:] if not match(r)])

    def append(self, name: str, row: list[str]) -> int:
        """Add a row in its canonical place (after an equal key) and return its line."""
        rows = self.rows(name) + [row]
        return self._write_sorted(name, rows, row)

    def validate(self, **kwargs) -> set[tuple[str, int, str, str]]:
        return keys(validate_package(self.root, **kwargs))
