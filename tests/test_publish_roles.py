"""docs, export and site on packages without the parts the project's pages draw on (publish/roles.py):
a third-party package, the real one without its events or with them lacking a field the timeline
shows, and the real one whose archived texts are another resource. Each command answers, with a
located message where it cannot make a page, and leaves out what needs a missing part."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from validate.cli import main

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "third_party" / "frictionless-py" / "package"


def publish(root: Path, capsys) -> tuple[Path, str]:
    """docs, export and site, each of which must succeed; the site's directory and the commands' stderr."""
    codes = [main(["docs", str(root)]), main(["export", str(root)]), main(["site", str(root)])]
    err = capsys.readouterr().err
    assert codes == [0, 0, 0], err
    return root / "site", err


def full_copy(tmp_path: Path) -> Path:
    root = tmp_path / "pkg"
    shutil.copytree(ROOT, root, ignore=shutil.ignore_patterns(".*", "dist", "site", "tests", "validate", "publish", "schemas",
                                                              "__pycache__", "workbook.xlsx"))
    return root


def edit(root: Path, change) -> None:
    path = root / "datapackage.json"
    desc = json.loads(path.read_text(encoding="utf-8"))
    change(desc)
    path.write_text(json.dumps(desc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def rename(root: Path, old: str, new: str) -> None:
    """Rename a resource, its file (data/<name>.csv, the package's convention) and every reference to it."""
    def change(desc):
        for res in desc["resources"]:
            if res["name"] == old:
                res["name"], res["path"] = new, f"data/{new}.csv"
            refs = [fk["reference"] for fk in res["schema"].get("foreignKeys", [])]
            refs += [f["subtypeOf"]["reference"] for f in res["schema"]["fields"] if "subtypeOf" in f]
            refs += [res["crosswalk"][k] for k in ("reference", "deviations") if "crosswalk" in res]
            for ref in refs:
                if ref.get("resource") == old:
                    ref["resource"] = new
    edit(root, change)
    (root / "data" / f"{old}.csv").rename(root / "data" / f"{new}.csv")


def json_ld(site: Path) -> dict:
    text = (site / "index.html").read_text(encoding="utf-8")
    start = text.index('<script type="application/ld+json">') + len('<script type="application/ld+json">')
    return json.loads(text[start:text.index("</script>", start)])


def test_a_third_party_package_gets_docs_downloads_and_a_site(tmp_path, capsys):
    root = tmp_path / "pkg"
    shutil.copytree(FIXTURE, root)
    edit(root, lambda d: d.update(version="1.0.0", title="frictionless-py's package fixture"))
    site, _ = publish(root, capsys)
    assert not (root / "docs" / "timeline.svg").exists(), "no events: no timeline"
    index = (site / "index.html").read_text(encoding="utf-8")
    assert 'id="timeline"' not in index and 'id="source"' not in index and 'href="#timeline"' not in index
    assert "temporalCoverage" not in json_ld(site) and json_ld(site)["isBasedOn"] == []
    assert "no text to annotate" in (site / "article.html").read_text(encoding="utf-8")
    assert main(["docs", "--check", str(root)]) == 0


def test_the_real_package_without_events_has_no_timeline_and_its_agreement_page_says_why(tmp_path, capsys):
    root = full_copy(tmp_path)
    rename(root, "events", "happenings")
    (root / "docs" / "timeline.svg").unlink()
    assert main(["export", str(root)]) == 0
    for command in ("docs", "site"):
        assert main([command, str(root)]) == 1, command
        err = capsys.readouterr().err
        assert err.startswith(f"python -m validate {command}: docs/agreement/second-coder-events.csv:1:1: ") and "'events'" in err
    shutil.rmtree(root / "docs" / "agreement")  # without the second coding there is no comparison to make
    (root / "docs" / "agreement.md").unlink()
    site, _ = publish(root, capsys)
    assert not (root / "docs" / "timeline.svg").exists()
    assert 'id="timeline"' not in (site / "index.html").read_text(encoding="utf-8")
    assert 'id="source"' in (site / "index.html").read_text(encoding="utf-8"), "the archived texts are still listed"


def test_events_lacking_a_field_the_timeline_shows_have_no_timeline(tmp_path, capsys):
    import csv

    root = full_copy(tmp_path)
    edit(root, lambda d: next(r for r in d["resources"] if r["name"] == "events")["schema"].update(
        fields=[f for f in next(r for r in d["resources"] if r["name"] == "events")["schema"]["fields"] if f["name"] != "summary"]))
    path = root / "data" / "events.csv"
    rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
    drop = rows[0].index("summary")
    from validate.canonical import render

    path.write_text(render([r[:drop] + r[drop + 1:] for r in rows]), encoding="utf-8")
    (root / "docs" / "timeline.svg").unlink()
    site, _ = publish(root, capsys)
    assert not (root / "docs" / "timeline.svg").exists()
    assert 'id="timeline"' not in (site / "index.html").read_text(encoding="utf-8")


def test_archived_texts_are_found_by_their_declaration_not_their_name(tmp_path, capsys):
    root = full_copy(tmp_path)
    rename(root, "sources", "documents")
    site, _ = publish(root, capsys)
    desc = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    fields = {f["name"] for r in desc["resources"] if r["name"] == "sources" for f in r["schema"]["fields"]}
    assert {"title", "url"} <= fields
    titles = [s["headline"] for s in json_ld(site)["isBasedOn"]]
    assert titles and all(titles), "each archived text is a source of the dataset"
    assert 'id="source"' in (site / "index.html").read_text(encoding="utf-8")
    metadata = json.loads((root / "dist" / "metadata.json").read_text(encoding="utf-8"))
    assert metadata.get("source") == "; ".join(titles)
    assert "temporalCoverage" in json_ld(site), "the date bounds are declared (edtfBounds)"
