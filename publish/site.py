"""A static landing page: what the dataset is, its source, downloads with sizes and checksums,
a preview of each table, the timeline, the codebook and how to cite. One self-contained HTML
file (inline style and figure, no script, no request to any other host) plus a copy of dist/."""

from __future__ import annotations

import html
import shutil
from pathlib import Path

import marko
import yaml

from validate.descriptor import Descriptor
from validate.paths import new_directory
from validate.reader import read_table

PREVIEW_ROWS = 5
STYLE = """
body{font:16px/1.5 system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem;color:#1a1a1a}
h1{font-size:1.6rem;line-height:1.2}h2{margin-top:2rem;border-bottom:1px solid #ddd}
.scroll{overflow-x:auto;max-width:100%}table{border-collapse:collapse;font-size:.85rem}
th,td{border:1px solid #ddd;padding:.25rem .4rem;text-align:left;vertical-align:top}
code,.sum{font-family:ui-monospace,monospace;font-size:.8rem;word-break:break-all}
svg{max-width:100%;height:auto}details{margin:.5rem 0}pre{white-space:pre-wrap;word-break:break-word}
"""


class SafeRenderer(marko.HTMLRenderer):
    """Markdown to HTML where text from the data stays text: raw HTML in a cell (a vocabulary
    definition holding <img src=x onerror=...>) is escaped, and an image becomes its alt text,
    so the page runs no script and requests nothing from another host."""

    def render_html_block(self, element) -> str:
        return html.escape(element.body)

    def render_inline_html(self, element) -> str:
        return html.escape(element.children)

    def render_image(self, element) -> str:
        return self.render_children(element)


def markdown(text: str) -> str:
    return marko.Markdown(renderer=SafeRenderer).convert(text)


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def downloads(dist: Path) -> str:
    sums = dict(line.split("  ")[::-1] for line in (dist / "SHA256SUMS").read_text(encoding="utf-8").splitlines())
    rows = [f'<tr><td><a href="dist/{_e(name)}">{_e(name)}</a></td><td>{_size((dist / name).stat().st_size)}</td>'
            f'<td class="sum">{_e(digest)}</td></tr>' for name, digest in sorted(sums.items())]
    rows.append(f'<tr><td><a href="dist/SHA256SUMS">SHA256SUMS</a></td><td>{_size((dist / "SHA256SUMS").stat().st_size)}</td><td></td></tr>')
    return '<div class="scroll"><table><tr><th>file</th><th>size</th><th>SHA-256</th></tr>' + "".join(rows) + "</table></div>"


def preview(root: Path, res: dict) -> str:
    table, _ = read_table(root, res)
    frame = table.frame.head(PREVIEW_ROWS)
    head = "".join(f"<th>{_e(c)}</th>" for c in frame.columns)
    body = "".join("<tr>" + "".join(f"<td>{_e(v)}</td>" for v in row) + "</tr>" for row in frame.itertuples(index=False))
    return (f"<details><summary><b>{_e(res['name'])}</b>: {len(table.frame)} rows. {_e(res.get('description', ''))}</summary>"
            f'<div class="scroll"><table><tr>{head}</tr>{body}</table></div></details>')


def citation(root: Path) -> str:
    cff = yaml.safe_load((root / "CITATION.cff").read_text(encoding="utf-8"))
    authors = "; ".join(a.get("name") or f"{a.get('family-names', '')}, {a.get('given-names', '')}" for a in cff["authors"])
    return f"{_e(authors)} ({_e(str(cff['date-released'])[:4])}). <i>{_e(cff['title'])}</i> (version {_e(cff['version'])}) [Data set]."


def page(root: Path, desc: Descriptor, dist: Path) -> str:
    sources, _ = read_table(root, desc.resource("sources"))
    source_items = "".join(f"<li>“{_e(r.title)}” ({_e(r.publisher or 'publisher not given')}; published {_e(r.published)}, "
                           f"basis: {_e(r.published_basis)}). Archived text SHA-256 <code>{_e(r.text_sha256)}</code>.</li>"
                           for r in sources.frame.itertuples())
    codebook = markdown((root / "docs" / "codebook.md").read_text(encoding="utf-8")).replace("<table>", '<div class="scroll"><table>').replace("</table>", "</table></div>")
    svg = (root / "docs" / "timeline.svg").read_text(encoding="utf-8")
    svg = svg[svg.index("<svg"):]
    facts = "".join(preview(root, r) for r in desc.resources if not r.get("vocabulary"))
    vocab = "".join(preview(root, r) for r in desc.resources if r.get("vocabulary"))
    licence = desc.data["licenses"][0]
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(desc.data['title'])}</title>
<style>{STYLE}</style></head>
<body>
<h1>{_e(desc.data['title'])}</h1>
<p>{_e(desc.data['description'])}</p>
<p>Version {_e(desc.data['version'])}. Every fact row quotes its source verbatim with exact character offsets;
dates are EDTF at the precision the source supports, with how each was obtained.</p>
<h2 id="source">Source</h2><ul>{source_items}</ul>
<h2 id="downloads">Downloads</h2>
<p>The zip is the whole Frictionless data package. Parquet, JSON and Stata hold one file per table; the SQLite database
holds every table with its keys and the views <code>event_participants</code> and <code>commitment_details</code>.
Check a download with <code>sha256sum -c SHA256SUMS</code>.</p>
{downloads(dist)}
<h2 id="timeline">Timeline</h2>{svg}
<h2 id="tables">Tables</h2>{facts}<h3>Vocabularies</h3>{vocab}
<h2 id="cite">How to cite</h2><p>{citation(root)}</p>
<p>Data: {_e(licence.get('title', licence['name']))}. Code: MIT. The archived article text is third-party material,
included so that every quote can be checked, and is not covered by either licence.</p>
<h2 id="codebook">Codebook</h2>{codebook}
</body></html>
"""


def build(root: Path, desc: Descriptor, dist: Path, out: Path) -> Path:
    """Write out/index.html and a copy of dist/ beside it (the page links to out/dist/)."""
    text = page(root, desc, dist)
    with new_directory(out) as work:
        shutil.copytree(dist, work / "dist")
        (work / "index.html").write_text(text, encoding="utf-8")
    return out / "index.html"
