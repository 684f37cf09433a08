"""What the rules of one table may consult: the other tables and the archived source texts."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from validate.paths import DEFAULT_MAX_BYTES, PathRefused, read_bytes


@dataclass(frozen=True)
class SourceFile:
    """What the rules need of an archived text; the bytes themselves are not kept."""

    sha256: str
    text: str | None  # None: not UTF-8


@dataclass
class Context:
    root: Path
    frames: dict[str, pd.DataFrame | None]  # None: the table could not be read
    max_bytes: int = DEFAULT_MAX_BYTES
    resources: list[dict] = field(default_factory=list)  # the descriptor's well-formed resources
    retired: str | None = None  # the resource declared to hold retired ids ("retiredKeys": true)
    conventions: frozenset[str] = frozenset()  # the project conventions the package declares ("conventions")
    complete: bool = True  # False when the descriptor check refused a resource: what it holds is unknown
    _files: dict[str, SourceFile | PathRefused] = field(default_factory=dict)
    _texts: dict[str, str] | None = None
    _fields: dict[str, dict[str, dict]] | None = None
    _typed: dict[str, dict[str, dict]] | None = None

    def frame(self, name: str) -> pd.DataFrame | None:
        return self.frames.get(name)

    def fields(self) -> dict[str, dict[str, dict]]:
        """resource name -> its fields by name; once per package, not once per table."""
        if self._fields is None:
            self._fields = {r["name"]: {f["name"]: f for f in r["schema"]["fields"]} for r in self.resources}
        return self._fields

    def typed(self) -> dict[str, dict[str, dict]]:
        """resource name -> its typed fields (name -> field), which keys compare by value; once
        per package, not once per table (30 tables made it 900 computations)."""
        if self._typed is None:
            from .rule import typed_fields

            self._typed = {name: typed_fields(list(fields.values())) for name, fields in self.fields().items()}
        return self._typed

    @cached_property
    def retired_ids(self) -> dict[str, dict[str, str]] | None:
        """keys.retired_ids of the resource declared to hold retired ids; once per package, not once per table."""
        from .keys import retired_ids

        return retired_ids(self.frame(self.retired)) if self.retired is not None else None

    def source_file(self, text_path: str) -> SourceFile | PathRefused:
        """The archived text's hash and decoded text, or why it cannot be read; each file is read once."""
        if text_path not in self._files:
            try:
                raw = read_bytes(self.root, text_path, self.max_bytes)
            except PathRefused as exc:
                self._files[text_path] = exc
            else:
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError:
                    text = None
                self._files[text_path] = SourceFile(hashlib.sha256(raw).hexdigest(), text)
        return self._files[text_path]

    def texts(self) -> dict[str, str]:
        """source id -> decoded text, for every row of a resource declaring "archivedTexts" whose
        text is readable, UTF-8 and unaltered."""
        if self._texts is None:
            self._texts = self._read_texts()
        return self._texts

    def text_lists(self) -> list[tuple[dict, pd.DataFrame, tuple[str, str, str]]]:
        """(resource, frame, (id, path, sha256) fields) of every readable resource declaring "archivedTexts"."""
        out = []
        for res in self.resources:
            decl = res.get("archivedTexts")
            if not isinstance(decl, dict):
                continue
            frame = self.frame(res["name"])
            if frame is None:
                continue
            names = (decl.get("id"), decl.get("path"), decl.get("sha256"))
            if set(names) <= set(frame.columns):
                out.append((res, frame, names))
        return out

    def _read_texts(self) -> dict[str, str]:
        out = {}
        for _, frame, (sid_f, path_f, sha_f) in self.text_lists():
            for sid, path, digest in zip(frame[sid_f], frame[path_f], frame[sha_f]):
                got = self.source_file(path)
                if isinstance(got, SourceFile) and got.sha256 == digest and got.text is not None:
                    out[sid] = got.text
        return out
