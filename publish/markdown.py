"""Markdown (the codebook, the coding decisions, the agreement page) to HTML that is safe to put
on the site: text from the data stays text, and every link either works on the site or is not a link.

Raw HTML in a cell (a vocabulary definition holding <img src=x onerror=...>) is escaped, an
image becomes its alt text (the page requests nothing from another host), a link is kept only
when it is http(s), mailto, an anchor, or a document the site renders itself (its .md target
rewritten to the page's .html); any other target (javascript:, a file the site does not hold)
is rendered as its text alone. GitHub tables are rendered as tables; headings are demoted so
that each page keeps a single <h1>, and carry ids for the table of contents."""

from __future__ import annotations

import html
import re

import marko
from marko.helpers import MarkoExtension

SCHEMES = ("http://", "https://", "mailto:")
CELL_CHARS = 2_000  # a page shows a longer cell cut, with its full length


def cut(value: str, where: str = "the downloads") -> str:
    """A cell as a page shows it: beyond CELL_CHARS characters, cut and saying its length and where
    the whole value is (a 50 MB cell makes no 50 MB page)."""
    if len(value) <= CELL_CHARS:
        return value
    return f"{value[:CELL_CHARS]}… [cut here: {len(value):,} characters in all; the whole value is in {where}]"


def slug(text: str) -> str:
    """A heading's id: lowercase words joined by '-', as GitHub makes them."""
    return re.sub(r"[^\w\- ]", "", text.lower()).strip().replace(" ", "-") or "section"


def _plain(element) -> str:
    children = getattr(element, "children", "")
    if isinstance(children, str):
        return children
    return "".join(_plain(c) for c in children)


def converter(pages: dict[str, str], demote: int = 1) -> marko.Markdown:
    """A Markdown converter for the site. `pages` maps a document's Markdown name
    (coding-decisions.md) to the site page that shows it (coding-decisions.html)."""

    class Safe:
        def render_html_block(self, element) -> str:
            return html.escape(element.body)

        def render_inline_html(self, element) -> str:
            return html.escape(element.children)

        def render_image(self, element) -> str:
            return self.render_children(element)

        def render_heading(self, element) -> str:
            level = min(element.level + demote, 6)
            return f'<h{level} id="{html.escape(slug(_plain(element)))}">{self.render_children(element)}</h{level}>\n'

        def render_link(self, element) -> str:
            href = _href(element.dest, pages)
            if href is None:
                return self.render_children(element)
            title = f' title="{html.escape(element.title)}"' if element.title else ""
            return f'<a href="{html.escape(href)}"{title}>{self.render_children(element)}</a>'

        def render_auto_link(self, element) -> str:
            return self.render_link(element)

    return marko.Markdown(extensions=["gfm", MarkoExtension(renderer_mixins=[Safe])])


def _href(dest: str, pages: dict[str, str]) -> str | None:
    if dest.startswith("#") or dest.lower().startswith(SCHEMES):
        return dest
    path, _, anchor = dest.partition("#")
    page = pages.get(path.rsplit("/", 1)[-1])
    if page is None:
        return None
    return page + (f"#{anchor}" if anchor else "")


def to_html(text: str, pages: dict[str, str], demote: int = 1) -> str:
    """The Markdown text as safe HTML (see the module's docstring), tables wrapped so that they
    scroll inside their box instead of widening the page."""
    out = converter(pages, demote).convert(text)
    return out.replace("<table>", '<div class="scroll" tabindex="0"><table>').replace("</table>", "</table></div>")
