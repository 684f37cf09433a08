"""A real spreadsheet round trip: LibreOffice opens the package's files and saves them back with no
edit. Skipped where LibreOffice (Debian's libreoffice-calc-nogui, installed by .ci/run) is absent."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from validate.cli import main

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed (apt-get install libreoffice-calc-nogui); .ci/run installs it")
ROOT = Path(__file__).resolve().parent.parent


def convert(tmp_path: Path, target: str, *files: Path, infilter: str | None = None) -> Path:
    """Open each file in LibreOffice and save it as `target` into a new directory. Each call has a
    profile of its own, so parallel workers do not share LibreOffice's lock."""
    out = tmp_path / f"lo-{target.split(':')[0]}"
    out.mkdir(exist_ok=True)
    profile = (tmp_path / "lo-profile").as_uri()
    read = [f"--infilter={infilter}"] if infilter else []
    subprocess.run([SOFFICE, f"-env:UserInstallation={profile}", "--headless", *read, "--convert-to", target, "--outdir", str(out), *map(str, files)],
                   check=True, capture_output=True, timeout=180)
    return out


def test_a_libreoffice_save_of_events_and_their_codes_is_undone_by_fmt(pkg, tmp_path):
    names = ["events", "cameo_codes"]
    before = {n: pkg.raw(n) for n in names}
    saved = convert(tmp_path, "csv", *(pkg.path(n) for n in names))
    for n in names:
        pkg.write_raw(n, (saved / f"{n}.csv").read_bytes())
    assert any(pkg.raw(n) != before[n] for n in names), "LibreOffice kept every leading zero: nothing to repair"
    assert main([str(pkg.root)]) == 1
    assert main(["fmt", str(pkg.root)]) == 0
    assert {n: pkg.raw(n) for n in names} == before


@pytest.mark.parametrize("charset", ["76", "1"], ids=["read-as-utf-8", "read-as-windows-1252"])
def test_a_libreoffice_save_with_either_import_charset_is_undone_by_fmt(pkg, tmp_path, charset):
    """Text Import's character set (76 UTF-8, 1 Windows-1252) decides what LibreOffice holds; read as
    Windows-1252 and saved as UTF-8, every curly quote is mojibake, which fmt must undo too."""
    names = ["events", "cameo_codes"]
    before = {n: pkg.raw(n) for n in names}
    saved = convert(tmp_path, "csv:Text - txt - csv (StarCalc):44,34,76", *(pkg.path(n) for n in names), infilter=f"CSV:44,34,{charset}")
    for n in names:
        pkg.write_raw(n, (saved / f"{n}.csv").read_bytes())
    assert main([str(pkg.root)]) == 1
    assert main(["fmt", str(pkg.root)]) == 0
    assert {n: pkg.raw(n) for n in names} == before


def test_the_workbook_survives_a_libreoffice_save(pkg, tmp_path):
    before = {p.name: p.read_bytes() for p in (pkg.root / "data").glob("*.csv")}
    book = tmp_path / "book.xlsx"
    assert main(["workbook", str(pkg.root), "--out", str(book)]) == 0
    saved = convert(tmp_path, "xlsx", book) / "book.xlsx"
    assert main(["import-workbook", str(saved), str(pkg.root)]) == 0
    assert {p.name: p.read_bytes() for p in (pkg.root / "data").glob("*.csv")} == before
