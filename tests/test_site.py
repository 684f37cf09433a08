"""The site: self-contained pages whose every link resolves, the annotated article showing every
evidence span in the verbatim text, schema.org metadata, and a real browser at phone and desktop
sizes with no console error, no sideways scroll and no axe-core accessibility violation.

The browser test drives Debian's chromium through chromedriver (selenium) and injects axe-core
(installed from the npm registry by `make test`, pinned in tests/browser/package-lock.json); it
installs nothing and skips, saying why, where either is missing. `.ci/run` installs them."""

from __future__ import annotations

import html
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from validate.cli import main
from validate.outdir import marker
from validate.descriptor import load

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / ".artifacts"
AXE = ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")


class Page(HTMLParser):
    """What a page links to and holds: hrefs, srcs, ids, scripts, headings."""

    def __init__(self, text: str):
        super().__init__()
        self.hrefs, self.srcs, self.ids, self.scripts, self.h1, self.meta = [], [], set(), [], 0, {}
        self._script = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "href" in attrs:
            self.hrefs.append((tag, attrs["href"]))
        if "src" in attrs:
            self.srcs.append(attrs["src"])
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "script":
            self._script = [attrs.get("type", ""), ""]
        self.h1 += tag == "h1"
        if tag == "meta" and "name" in attrs:
            self.meta[attrs["name"]] = attrs.get("content", "")

    def handle_data(self, data):
        if self._script is not None:
            self._script[1] += data

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.scripts.append(tuple(self._script))
            self._script = None


def build(root: Path, base: Path) -> Path:
    assert main(["export", str(root), "--out", str(base / "dist")]) == 0
    assert main(["site", str(root), "--dist", str(base / "dist"), "--out", str(base / "site")]) == 0
    return base / "site"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return build(ROOT, tmp_path_factory.mktemp("site"))


def pages(site: Path) -> dict[str, Page]:
    return {p.name: Page(p.read_text(encoding="utf-8")) for p in sorted(site.glob("*.html"))}


def test_every_download_is_linked_and_resolves_to_the_same_bytes(site):
    index = pages(site)["index.html"]
    linked = {href[len("dist/"):] for _, href in index.hrefs if href.startswith("dist/")}
    dist = site.parent / "dist"
    assert linked == {p.relative_to(dist).as_posix() for p in dist.rglob("*") if p.is_file() and p.name != marker("export")[0]}
    assert not (site / "dist" / marker("export")[0]).exists()  # the marker says who made dist/; it is not published
    for name in linked:
        assert (site / "dist" / name).read_bytes() == (dist / name).read_bytes()
    listed = {line.split("  ", 1)[1] for line in (dist / "SHA256SUMS").read_text(encoding="utf-8").splitlines()}
    assert listed == linked - {"SHA256SUMS"}


def test_every_link_of_every_page_resolves_to_a_file_and_an_anchor(site):
    found = pages(site)
    assert {"index.html", "article.html", "codebook.html", "coding-decisions.html"} <= set(found)
    broken = []
    for name, page in found.items():
        for tag, href in page.hrefs:
            url = urlsplit(href)
            if url.scheme in ("http", "https", "mailto"):
                assert tag == "a", f"{name}: <{tag}> loads {href} from another host"
                continue
            assert not url.scheme and not url.netloc, f"{name}: {href}"
            target = url.path or name
            if not (site / target).is_file():
                broken.append((name, href))
            elif url.fragment and target.endswith(".html") and url.fragment not in found[target].ids:
                broken.append((name, href))
    assert broken == []


def test_pages_request_nothing_and_run_only_their_own_script(site):
    for name, page in pages(site).items():
        assert page.srcs == [], name
        text = (site / name).read_text(encoding="utf-8")
        assert not re.search(r"url\((?!#)|@import", text), name  # url(#clip) in the SVG is internal
        csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', text).group(1)
        assert "default-src 'none'" in html.unescape(csp) and "unsafe-inline'" not in html.unescape(csp).split("script-src")[1].split(";")[0]
        assert page.h1 == 1 and page.meta.get("description"), name


def test_landing_page_describes_the_dataset_to_search_engines(site):
    index = pages(site)["index.html"]
    (ld,) = [json.loads(body) for kind, body in index.scripts if kind == "application/ld+json"]
    desc, _ = load(ROOT)
    assert ld["@context"] == "https://schema.org" and ld["@type"] == "Dataset"
    assert (ld["name"], ld["version"], ld["description"]) == (desc.data["title"], desc.data["version"], desc.data["description"])
    assert ld["license"] == desc.data["licenses"][0]["path"] and ld["creator"] and ld["citation"]
    assert {d["contentUrl"] for d in ld["distribution"]} and all((site / d["contentUrl"]).is_file() for d in ld["distribution"])
    assert re.fullmatch(r"(\.\.|\d{4}-\d\d-\d\d)/(\.\.|\d{4}-\d\d-\d\d)", ld["temporalCoverage"])
    assert ld["spatialCoverage"] and all(p["@type"] == "Place" and p["name"] for p in ld["spatialCoverage"])


def test_codebook_is_rendered_as_tables_not_markdown(site):
    text = (site / "codebook.html").read_text(encoding="utf-8")
    assert text.count("<table>") == len(load(ROOT)[0].resources) + sum(1 for r in load(ROOT)[0].resources if r.get("vocabulary"))
    assert "|---|" not in text and "| field |" not in text


def _evidence_rows(root: Path) -> tuple[int, int]:
    """(evidence rows, exclusion rows), counted from the descriptor and the CSVs."""
    import csv

    desc, _ = load(root)
    cited = excluded = 0
    for res in desc.resources:
        if isinstance(res.get("evidence"), dict):
            with open(root / res["path"], encoding="utf-8", newline="") as fh:
                n = sum(1 for _ in csv.DictReader(fh))
            if res.get("coverageExclusions"):
                excluded += n
            else:
                cited += n
    return cited, excluded


def test_annotated_article_shows_the_verbatim_text_with_every_span_linked_both_ways(site):
    text = (site / "article.html").read_text(encoding="utf-8")
    page = Page(text)
    cited, excluded = _evidence_rows(ROOT)
    refs = re.findall(r'<a class="ref" href="#(row-[^"]+)">', text)
    assert len(refs) == cited and text.count('class="reason"') == excluded
    assert all(r in page.ids and "span-" + r[4:] in page.ids for r in refs)
    backlinks = re.findall(r'<li id="(row-[^"]+)"><a href="#(span-[^"]+)">', text)
    assert len(backlinks) == cited and all(s in page.ids for _, s in backlinks)
    article = re.search(r'<div class="article">(.*?)</div>', text, re.S).group(1)
    article = re.sub(r'<a class="ref"[^>]*>.*?</a>|<span class="reason">.*?</span>|<[^>]+>', "", article)
    sources = sorted((ROOT / "data" / "sources").glob("*.txt"))
    assert html.unescape(article) == sources[0].read_text(encoding="utf-8")


def test_reported_spans_name_who_asserts_them(site):
    text = (site / "article.html").read_text(encoding="utf-8")
    import csv

    with open(ROOT / "data" / "events.csv", encoding="utf-8", newline="") as fh:
        reported = [r for r in csv.DictReader(fh) if r["asserted_by"]]
    assert reported
    for row in reported:
        assert re.search(rf'\[{re.escape(row["event_id"])}, asserted by [^\]]+\]', text)
    assert text.count('<mark class="reported') >= len(reported)


def test_site_without_downloads_is_a_usage_error(tmp_path):
    assert main(["site", str(ROOT), "--dist", str(tmp_path / "none"), "--out", str(tmp_path / "site")]) == 2


def _full_copy(tmp_path: Path) -> Path:
    root = tmp_path / "pkg"
    root.mkdir()
    for name in ("datapackage.json", "CITATION.cff", "README.md", "LICENSE", "CHANGELOG.md"):
        shutil.copy(ROOT / name, root / name)
    shutil.copytree(ROOT / "data", root / "data")
    shutil.copytree(ROOT / "docs", root / "docs")
    return root


def test_data_text_is_escaped_never_markup(tmp_path):
    from helpers import Pkg

    pkg = Pkg(_full_copy(tmp_path))
    attack = ('<img src=x onerror="alert(1)"> </script><script>alert(2)</script> [x](javascript:alert(3)) '
              '![i](https://tracker.example/p.png)')
    rows = pkg.rows("event_roles")
    pkg.set("event_roles", rows[1][0], rows[0][1], attack)
    assert pkg.validate() == set()
    assert main(["docs", str(pkg.root)]) == 0
    site = build(pkg.root, tmp_path / "out")
    for name, page in pages(site).items():
        text = (site / name).read_text(encoding="utf-8")
        assert page.srcs == [] and "onerror=" not in text.replace("onerror=&quot;", "").replace('onerror=\\"', ""), name
        assert [kind for kind, _ in page.scripts if kind not in ("application/json", "application/ld+json")] in ([], [""]), name
        assert not any(href.startswith("javascript:") for _, href in page.hrefs), name
    index = pages(site)["index.html"]
    (data,) = [json.loads(body) for kind, body in index.scripts if kind == "application/json"]
    assert attack in {v for t in data for r in t["rows"] for v in r}  # the browser gets the value, as text
    assert "&lt;img src=x onerror=" in (site / "codebook.html").read_text(encoding="utf-8")


def test_a_huge_cell_or_table_makes_no_huge_page(tmp_path):
    """The browser embeds a long cell cut, saying its length, and of a long table its first rows,
    saying how many more the downloads hold: a 5 MB cell and 20,000 rows still make a small page."""
    from helpers import Pkg

    from publish.markdown import CELL_CHARS
    from publish.site import PAGE_CHARS

    pkg = Pkg(_full_copy(tmp_path))
    rows = pkg.rows("event_roles")
    huge = "long " * 1_000_000
    rows[1][1] = huge.strip()
    rows += [[f"zz-role-{i:05d}", f"Role number {i}."] for i in range(20_000)]
    pkg.write_rows("event_roles", rows)
    assert pkg.validate() == set()
    assert main(["docs", str(pkg.root)]) == 0
    site = build(pkg.root, tmp_path / "out")
    index = (site / "index.html").read_text(encoding="utf-8")
    assert len(index.encode()) < PAGE_CHARS * 1.5 < len(huge)
    (data,) = [json.loads(body) for kind, body in Page(index).scripts if kind == "application/json"]
    roles = next(t for t in data if t["name"] == "event_roles")
    assert roles["total"] == len(rows) - 1 and 0 < len(roles["rows"]) < roles["total"]
    cut = roles["rows"][0][1]
    assert cut.startswith(huge[:CELL_CHARS]) and len(cut) < CELL_CHARS + 200 and f"{len(huge.strip()):,} characters" in cut
    codebook = (site / "codebook.html").read_text(encoding="utf-8")  # the codebook lists the first codes, cut, and says where all are
    assert len(codebook) < PAGE_CHARS < len(huge) and f"of {len(rows) - 1:,} codes; all of them are in" in codebook


def _driver(width: int, height: int):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic", f"--window-size={width},{height}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


@pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER), reason="no chromium/chromedriver installed (Debian packages chromium, chromium-driver; .ci/run installs them)")
@pytest.mark.skipif(not AXE.is_file(), reason="axe-core is not installed (make test installs it with npm from tests/browser/package-lock.json)")
@pytest.mark.parametrize("size", [(390, 844), (1280, 900)], ids=["phone", "desktop"])
def test_every_page_in_a_real_browser_has_no_error_no_sideways_scroll_and_no_accessibility_violation(site, size):
    axe = AXE.read_text(encoding="utf-8")
    driver = _driver(*size)
    try:
        for page in sorted(p.name for p in site.glob("*.html")):
            driver.get((site / page).as_uri())
            errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
            assert errors == [], page
            resources = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
            assert all(url.startswith("file://") for url in resources), page
            assert driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1"), f"{page} scrolls sideways"
            driver.execute_script(axe)  # as a string, not a <script>: the page's CSP allows only its own script
            result = driver.execute_async_script(
                "const done = arguments[arguments.length - 1];"
                "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations.map(v => [v.id, v.nodes.length, v.nodes[0].target.join(' ')])));")
            assert result == [], f"{page}: {result}"
        ARTIFACTS.mkdir(exist_ok=True)
        driver.get((site / "index.html").as_uri())
        driver.save_screenshot(str(ARTIFACTS / f"site-{size[0]}.png"))
    finally:
        driver.quit()


@pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER), reason="no chromium/chromedriver installed (Debian packages chromium, chromium-driver; .ci/run installs them)")
def test_table_browser_shows_every_row_and_searches_filters_and_sorts(site):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    import csv

    with open(ROOT / "data" / "events.csv", encoding="utf-8", newline="") as fh:
        events = list(csv.DictReader(fh))
    driver = _driver(1280, 900)
    try:
        driver.get((site / "index.html").as_uri())
        Select(driver.find_element(By.ID, "tb-table")).select_by_value("events")
        rows = lambda: driver.execute_script("return [...document.querySelectorAll('#tb tbody tr')].map(r => r.cells[0].textContent)")  # noqa: E731
        assert rows() == [e["event_id"] for e in events]
        word = events[-1]["summary"].split()[-1].strip(".")
        driver.find_element(By.ID, "tb-search").send_keys(word)
        assert rows() == [e["event_id"] for e in events if word.lower() in " ".join(e.values()).lower()]
        Select(driver.find_element(By.ID, "tb-column")).select_by_visible_text("event_id")
        assert rows() == [e["event_id"] for e in events if word.lower() in e["event_id"].lower()]
        driver.find_element(By.ID, "tb-search").clear()
        Select(driver.find_element(By.ID, "tb-column")).select_by_visible_text("any column")
        header = driver.find_element(By.CSS_SELECTOR, "#tb thead th:nth-child(1) button")
        header.click()
        header = driver.find_element(By.CSS_SELECTOR, "#tb thead th:nth-child(1) button")
        header.click()
        assert rows() == sorted((e["event_id"] for e in events), reverse=True)
        assert driver.find_element(By.CSS_SELECTOR, "#tb thead th:nth-child(1)").get_attribute("aria-sort") == "descending"
    finally:
        driver.quit()


def test_site_draws_the_timeline_from_the_data_not_from_a_hand_edited_file(tmp_path):
    root = _full_copy(tmp_path)
    svg = root / "docs" / "timeline.svg"
    svg.write_text(svg.read_text(encoding="utf-8").replace("<svg ", '<svg onload="alert(1)" ', 1), encoding="utf-8")
    assert main(["export", str(root), "--out", str(tmp_path / "dist")]) == 0
    assert main(["site", str(root), "--dist", str(tmp_path / "dist"), "--out", str(tmp_path / "site")]) == 1  # docs are stale
    assert not (tmp_path / "site").exists()
    assert main(["docs", str(root)]) == 0
    assert "onload" not in (build(root, tmp_path / "again") / "index.html").read_text(encoding="utf-8")


def test_site_refuses_docs_that_link_out_of_the_package(tmp_path, capsys):
    root = _full_copy(tmp_path)
    outside = tmp_path / "outside"
    shutil.copytree(root / "docs", outside)
    (outside / "coding-decisions.md").write_text("SECRET-OUTSIDE\n", encoding="utf-8")
    shutil.rmtree(root / "docs")
    (root / "docs").symlink_to(outside, target_is_directory=True)
    assert main(["export", str(root), "--out", str(tmp_path / "dist")]) in (0, 1)
    if not (tmp_path / "dist" / "SHA256SUMS").is_file():  # export refuses the link itself
        return
    code = main(["site", str(root), "--dist", str(tmp_path / "dist"), "--out", str(tmp_path / "site")])
    assert code in (1, 2) and "unsafe-path" in capsys.readouterr().out + capsys.readouterr().err
    assert not (tmp_path / "site").exists()


@pytest.mark.parametrize("kind", ["file", "directory", "blog", "downloads"])
def test_site_never_replaces_a_file_or_directory_it_did_not_make(site, tmp_path, kind, capsys):
    dist = tmp_path / "dist"
    shutil.copytree(site / "dist", dist)
    target = {"file": tmp_path / "notes.txt", "directory": tmp_path / "mine", "blog": tmp_path / "www", "downloads": dist}[kind]
    if kind == "file":
        target.write_text("my notes\n")
    elif kind in ("directory", "blog"):  # a folder with an index.html of its own is no site this tool made
        target.mkdir()
        (target / "keep.txt").write_text("keep me\n")
        if kind == "blog":
            (target / "index.html").write_text("<h1>my blog</h1>\n")
    before = _files(tmp_path)
    assert main(["site", str(ROOT), "--dist", str(dist), "--out", str(target)]) == 2
    assert ("is or holds the downloads" if kind == "downloads" else "not a site") in capsys.readouterr().err
    assert _files(tmp_path) == before


@pytest.mark.parametrize("where", ["in-the-downloads", "holding-the-downloads"])
def test_site_never_copies_the_downloads_into_themselves_or_replaces_a_folder_holding_them(site, tmp_path, where, capsys):
    dist = tmp_path / "dist"
    shutil.copytree(site / "dist", dist)
    (tmp_path / "index.html").write_text("a page of mine, beside the downloads\n")  # looks like a site
    target = dist / "site" if where == "in-the-downloads" else tmp_path
    before = _files(tmp_path)
    assert main(["site", str(ROOT), "--dist", str(dist), "--out", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nothing was written" in err
    assert ("lies in the downloads" if where == "in-the-downloads" else "is or holds the downloads") in err
    assert _files(tmp_path) == before


def test_site_never_copies_the_downloads_into_a_second_name_of_themselves(site, tmp_path, capsys):
    import subprocess

    dist = tmp_path / "dist"
    shutil.copytree(site / "dist", dist)
    (tmp_path / "alias").mkdir()
    if subprocess.run(["mount", "--bind", str(dist), str(tmp_path / "alias")], capture_output=True).returncode != 0:
        pytest.skip("a bind mount needs root and a system that allows it")
    try:
        before = _files(dist)
        assert main(["site", str(ROOT), "--dist", str(dist), "--out", str(tmp_path / "alias" / "site")]) == 2
        assert "lies in the downloads" in capsys.readouterr().err and _files(dist) == before
    finally:
        subprocess.run(["umount", str(tmp_path / "alias")], capture_output=True)


def _files(top: Path) -> dict[str, bytes]:
    return {p.relative_to(top).as_posix(): p.read_bytes() for p in sorted(top.rglob("*")) if p.is_file()}


def test_site_replaces_the_site_it_made(site, tmp_path):
    out = tmp_path / "site"
    shutil.copytree(site, out)
    (out / "article.html").write_text("from the previous build\n")
    assert main(["site", str(ROOT), "--dist", str(site / "dist"), "--out", str(out)]) == 0
    assert (out / "index.html").is_file() and (out / "article.html").read_text(encoding="utf-8") != "from the previous build\n"


def test_site_never_replaces_its_own_directory_once_a_file_was_added_to_it(site, tmp_path, capsys):
    out = tmp_path / "site"
    assert main(["site", str(ROOT), "--dist", str(site / "dist"), "--out", str(out)]) == 0
    (out / "CNAME").write_text("example.org\n")  # GitHub Pages' custom domain, added by hand
    capsys.readouterr()
    assert main(["site", str(ROOT), "--dist", str(site / "dist"), "--out", str(out)]) == 2
    assert "holds what no earlier run made (CNAME)" in capsys.readouterr().err
    assert (out / "CNAME").read_text() == "example.org\n"
