"""What the rules of one table may consult: the other tables and the archived source texts."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from validate.paths import DEFAULT_MAX_BYTES, PathRefused, read_bytes


@dataclass
class Context:
    root: Path
    frames: dict[str, pd.DataFrame | None]  # None: the table could not be read
    max_bytes: int = DEFAULT_MAX_BYTES
    _files: dict[str, bytes | PathRefused] = field(default_factory=dict)
    _texts: dict[str, str] | None = None

    def frame(self, name: str) -> pd.DataFrame | None:
        return self.frames.get(name)

    def source_file(self, text_path: str) -> bytes | PathRefused:
        """The archived text's bytes, or why it cannot be read; each file is read once."""
        if text_path not in self._files:
            try:
                self._files[text_path] = read_bytes(self.root, text_path, self.max_bytes)
            except PathRefused as exc:
                self._files[text_path] = exc
        return self._files[text_path]

    def texts(self) -> dict[str, str]:
        """source_id -> decoded text, for every source whose archived text is readable, UTF-8 and unaltered."""
        if self._texts is None:
            self._texts = self._read_texts()
        return self._texts

    def _read_texts(self) -> dict[str, str]:
        sources = self.frame("sources")
        if sources is None or not {"source_id", "text_path", "text_sha256"} <= set(sources.columns):
            return {}
        out = {}
        for sid, path, digest in zip(sources["source_id"], sources["text_path"], sources["text_sha256"]):
            raw = self.source_file(path)
            if isinstance(raw, bytes) and hashlib.sha256(raw).hexdigest() == digest:
                try:
                    out[sid] = raw.decode("utf-8")
                except UnicodeDecodeError:
                    pass
        return out
