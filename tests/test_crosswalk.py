"""The CAMEO-PLOVER crosswalk as data: the archived text is the upstream file byte for byte, the
table is derived from it by a command and never stale, and the parser guesses nothing."""

import json
import shutil
from pathlib import Path

import pytest

from validate.cli import main
from validate.crosswalk import CrosswalkError, cameo2plover, derived_table

ROOT = Path(__file__).resolve().parent.parent
DESC = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
DERIVED = [r for r in DESC["resources"] if "derivedFrom" in r]


def test_some_resource_is_derived_from_an_archived_text():
    assert DERIVED


@pytest.mark.parametrize("res", DERIVED, ids=[r["name"] for r in DERIVED])
def test_derived_table_is_not_stale(res):
    assert (ROOT / res["path"]).read_text(encoding="utf-8") == derived_table(ROOT, res), "run python -m validate docs"


@pytest.mark.parametrize("res", DERIVED, ids=[r["name"] for r in DERIVED])
def test_archived_text_is_byte_identical_to_the_shared_reference(res):
    archived = ROOT / res["derivedFrom"]["path"]
    upstream = ROOT.parent / "shared" / "reference" / "plover" / archived.name
    if not upstream.exists():  # the reference files live beside the repository only on project machines
        pytest.skip("../shared/reference/plover is not beside this checkout")
    assert archived.read_bytes() == upstream.read_bytes()


@pytest.mark.parametrize("res", DERIVED, ids=[r["name"] for r in DERIVED])
def test_derived_resource_carries_its_own_licence_and_attribution(res):
    (licence,) = res["licenses"]
    assert licence["name"] != DESC["licenses"][0]["name"], "third-party material is not under the package licence"
    assert licence["path"].startswith("https://creativecommons.org/") and res["sources"], "licence and attribution"


def test_a_changed_archived_text_makes_the_table_stale_and_docs_rederives_it(pkg, capsys):
    shutil.copy(ROOT / "README.md", pkg.root / "README.md")
    shutil.copytree(ROOT / "docs", pkg.root / "docs")
    import hashlib

    d = pkg.descriptor()
    (res,) = [r for r in d["resources"] if "derivedFrom" in r]
    archived = pkg.root / res["derivedFrom"]["path"]
    text = archived.read_bytes().replace(b"# Make a visit", b"# Make a visit (edited)")
    archived.write_bytes(text)
    res["derivedFrom"]["sha256"] = hashlib.sha256(text).hexdigest()
    pkg.write_descriptor(d)
    assert main(["docs", str(pkg.root), "--check"]) == 1
    assert f"{res['path']}: stale" in capsys.readouterr().out
    assert main(["docs", str(pkg.root)]) == 0
    assert "Make a visit (edited)" in (pkg.root / res["path"]).read_text(encoding="utf-8")
    assert main(["docs", str(pkg.root), "--check"]) == 0


def test_parser_keeps_codes_only_and_copies_blanks_as_empty():
    text = "# a comment\n\n03: AGREE\n036: AGREE,  , diplomatic # Express intent to meet or negotiate\n" \
           "1121: ACCUSE, allege, crime; corruption # Accuse of crime, corruption\n166: SANCTION, expel ,   diplomatic   # Expel\n~~~~~\n"
    assert cameo2plover(text) == [
        ["036", "AGREE", "", "diplomatic", "Express intent to meet or negotiate", "4"],
        ["1121", "ACCUSE", "allege", "crime; corruption", "Accuse of crime, corruption", "5"],
        ["166", "SANCTION", "expel", "diplomatic", "Expel", "6"],
    ]


def test_a_code_listed_twice_keeps_its_first_line_only_when_the_mappings_agree():
    same = "175: ASSAULT, x , military # first\n175: ASSAULT, x, military # second\n"
    assert cameo2plover(same) == [["175", "ASSAULT", "x", "military", "first", "1"]]
    with pytest.raises(CrosswalkError, match="line 2"):
        cameo2plover("175: ASSAULT, x, military # first\n175: COERCE, x, military # second\n")


def test_docs_refuses_an_archived_text_it_cannot_parse_without_guessing(pkg, capsys):
    import hashlib

    shutil.copy(ROOT / "README.md", pkg.root / "README.md")
    shutil.copytree(ROOT / "docs", pkg.root / "docs")

    d = pkg.descriptor()
    (res,) = [r for r in d["resources"] if "derivedFrom" in r]
    archived = pkg.root / res["derivedFrom"]["path"]
    text = archived.read_bytes() + b"042: AID, , # the same code, another type\n"
    archived.write_bytes(text)
    res["derivedFrom"]["sha256"] = hashlib.sha256(text).hexdigest()
    pkg.write_descriptor(d)
    before = pkg.raw(res["name"])
    assert main(["docs", str(pkg.root)]) == 1
    assert "CAMEO 042" in capsys.readouterr().err
    assert pkg.raw(res["name"]) == before
