"""Problems found in a package, and how they are printed."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from .codes import CODES


@dataclass(frozen=True)
class Problem:
    """One problem at one place: path relative to the package, 1-based line, field or column."""

    path: str
    line: int
    column: str
    code: str
    message: str

    def __post_init__(self):
        if self.code not in CODES:  # a typo in a rule must not invent an undocumented code
            raise ValueError(f"undocumented problem code {self.code!r}")

    @property
    def key(self) -> tuple[str, int, str, str]:
        return (self.path, self.line, self.column, self.code)

    def format(self) -> str:
        # a path or a value from the data may hold a line break or an escape: one problem, one line
        return one_line(f"{self.path}:{self.line}:{self.column}: {self.code}: {self.message}")


_MD_ESCAPES = str.maketrans({"\\": "\\\\", "&": "&amp;", "<": "&lt;", ">": "&gt;", "[": "\\[", "]": "\\]", "|": "\\|"})


def one_line(text: object) -> str:
    """text with every character that is not printable (a line break, an escape sequence, a
    separator) written as its Python escape: an argument or git's answer quoted in a message
    must not break the message into lines a CI log reads as separate, or drive the terminal."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))


def md_cell(value: object, newline: str = " ") -> str:
    """A value from the data made safe for one cell of a Markdown table, shown as text by
    GitHub's renderer: '<', '>' and '&' as entities (no raw HTML), '[' and ']' escaped (no link
    or image, so no javascript: URL), '|' escaped (no extra cell), a backslash kept literal."""
    return str(value).translate(_MD_ESCAPES).replace("\n", newline)


def md_code(value: object, newline: str = " ") -> str:
    """A value as a code span in a Markdown table cell. In a code span HTML and links are inert,
    but a backtick would end it early and a backslash before '|' would end the cell (GFM's table
    splits cells on escapes first): such a value is written as escaped text instead."""
    text = str(value).replace("\n", newline)
    if "`" in text or "\\" in text:
        return md_cell(text, newline)
    return "`" + text.replace("|", "\\|") + "`"


def position(data: str | bytes, offset: int) -> tuple[int, int]:
    """1-based line and column of an offset into text or bytes."""
    newline = "\n" if isinstance(data, str) else b"\n"
    return data.count(newline, 0, offset) + 1, offset - (data.rfind(newline, 0, offset) + 1) + 1


def problem(path: str, line: int, column: str | int, code: str, detail: str) -> Problem:
    """A Problem whose message is the detail followed by the catalogue's advice."""
    return Problem(path, int(line), str(column), code, f"{detail}; {CODES[code][1]}")


def sort_problems(problems: list[Problem], order: list[str]) -> list[Problem]:
    """Group by file (descriptor first, then resources in package order), then by line."""
    rank = {path: i for i, path in enumerate(order)}
    # the message last: two problems of one code at one cell (two foreign keys of a field) came out
    # in the order of the set, which changed with the hash seed from run to run
    return sorted(set(problems), key=lambda p: (rank.get(p.path, len(rank)), p.path, p.line, p.column, p.code, p.message))


def render_text(problems: list[Problem]) -> str:
    if not problems:
        return "valid: no problems found\n"
    lines = [p.format() for p in problems]
    files = len({p.path for p in problems})
    lines.append(f"invalid: {len(problems)} problem{'s' * (len(problems) != 1)} in {files} file{'s' * (files != 1)}")
    return "\n".join(lines) + "\n"


def render_json(problems: list[Problem]) -> str:
    return json.dumps({"valid": not problems, "problems": [asdict(p) for p in problems]}, ensure_ascii=False, indent=2) + "\n"


def render_github(problems: list[Problem]) -> str:
    """GitHub workflow commands, so problems show as annotations on the changed lines."""

    def esc(s: str, prop: bool = False) -> str:
        s = one_line(s).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        return s.replace(":", "%3A").replace(",", "%2C") if prop else s

    return "".join(
        f"::error file={esc(p.path, True)},line={p.line},title={esc(p.code, True)}::{esc(p.column + ': ' + p.message)}\n" for p in problems
    )


RENDERERS = {"text": render_text, "json": render_json, "github": render_github}
