"""The zip is a researcher's: one top-level folder, a README written for them (tables, loading,
citation, licences; not the developers' make and .venv), and every file that README links to."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path, PurePosixPath

import pytest
import yaml

from publish import names
from publish.docs import citation
from publish.researcher import citation_line
from publish.snippets import pandas_code
from validate.cli import main
from validate.descriptor import load
from validate.problems import md_cell

ROOT = Path(__file__).resolve().parent.parent
LINK = re.compile(r"\]\(([^)\s]+)\)")


def unpacked(root: Path, out: Path) -> tuple[str, dict[str, bytes]]:
    """The zip's one folder and its members, relative to that folder."""
    assert main(["export", str(root), "--out", str(out)]) == 0
    desc, _ = load(root)
    with zipfile.ZipFile(out / f"{names.release(desc)}.zip") as zf:
        folders = {n.split("/", 1)[0] for n in zf.namelist()}
        assert folders == {names.release(desc)}, "the zip unpacks into one folder"
        return names.release(desc), {n.split("/", 1)[1]: zf.read(n) for n in zf.namelist()}


@pytest.fixture(scope="module")
def members(tmp_path_factory) -> dict[str, bytes]:
    return unpacked(ROOT, tmp_path_factory.mktemp("zip") / "dist")[1]


def broken_links(members: dict[str, bytes]) -> list[str]:
    text = members["README.md"].decode("utf-8")
    targets = [t.split("#")[0] for t in LINK.findall(text) if not re.match(r"[a-z]+:", t)]
    assert targets, "the README links to files of the zip"
    return [t for t in targets if str(PurePosixPath(t)) not in members]


def test_every_relative_link_of_the_readme_resolves_inside_the_zip(members):
    assert broken_links(members) == []


def test_without_docs_the_readme_links_only_what_the_zip_holds(pkg, tmp_path):
    _, held = unpacked(pkg.root, tmp_path / "dist")
    assert "docs/timeline.svg" not in held and broken_links(held) == []


def test_readme_is_for_researchers_tables_loading_citation_licences(members):
    text = members["README.md"].decode("utf-8")
    desc, _ = load(ROOT)
    assert text != (ROOT / "README.md").read_text(encoding="utf-8")
    ours = text
    for res in desc.resources:  # the descriptor's own descriptions may name the tools that derive a table
        ours = ours.replace(md_cell(res.get("description", "")), "")
    assert not re.search(r"\bmake\b|\.venv|python -m validate|pytest", ours)
    assert all(f"`{r['name']}`" in text for r in desc.resources)
    assert pandas_code(desc).rstrip("\n") in text
    assert citation_line(yaml.safe_load(citation(ROOT))) in text
    licences = [lic for lic in desc.data["licenses"]] + [lic for r in desc.resources for lic in r.get("licenses", [])]
    assert all(f"[{lic['name']}]({lic['path']})" in text for lic in licences)
