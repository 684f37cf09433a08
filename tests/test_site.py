"""The landing page: self-contained, every download link resolves, and it works in a real browser.

The browser test drives Debian's chromium through chromedriver (selenium); it installs nothing
and skips, saying why, where no browser is installed. `.ci/run` installs one."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from validate.cli import main

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / ".artifacts"
CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs, self.srcs = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "href" in attrs and tag in ("a", "link"):
            self.hrefs.append((tag, attrs["href"]))
        if "src" in attrs:
            self.srcs.append(attrs["src"])


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("site")
    assert main(["export", str(ROOT), "--out", str(base / "dist")]) == 0
    assert main(["site", str(ROOT), "--dist", str(base / "dist"), "--out", str(base / "site")]) == 0
    return base / "site"


def parsed(site: Path) -> Links:
    links = Links()
    links.feed((site / "index.html").read_text(encoding="utf-8"))
    return links


def test_every_download_is_linked_and_resolves_to_the_same_bytes(site):
    links = parsed(site)
    linked = {href[len("dist/"):] for _, href in links.hrefs if href.startswith("dist/")}
    dist = site.parent / "dist"
    assert linked == {p.relative_to(dist).as_posix() for p in dist.rglob("*") if p.is_file()}
    for name in linked:
        assert (site / "dist" / name).read_bytes() == (dist / name).read_bytes()
    html = (site / "index.html").read_text(encoding="utf-8")
    sums = (dist / "SHA256SUMS").read_text()
    assert all(line.split()[0] in html for line in sums.splitlines())


def test_page_requests_nothing_from_other_hosts(site):
    links = parsed(site)
    assert links.srcs == [] and all(tag == "a" for tag, _ in links.hrefs)
    html = (site / "index.html").read_text(encoding="utf-8")
    assert "<script" not in html and not re.search(r"url\((?!#)|@import", html)  # url(#clip) in the SVG is internal


def test_site_without_downloads_is_a_usage_error(tmp_path):
    assert main(["site", str(ROOT), "--dist", str(tmp_path / "none"), "--out", str(tmp_path / "site")]) == 2


@pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER), reason="no chromium/chromedriver installed (Debian packages chromium, chromium-driver; .ci/run installs them)")
def test_page_in_a_headless_browser_on_a_phone_sized_screen(site):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic", "--window-size=390,844"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        driver.get((site / "index.html").as_uri())
        assert driver.title.startswith("India–Canada security cooperation")
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert errors == []
        resources = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
        assert all(url.startswith("file://") for url in resources)
        hrefs = driver.execute_script("return [...document.querySelectorAll('a[href^=\"dist/\"]')].map(a => a.href)")
        assert hrefs and all(Path(h.removeprefix("file://")).is_file() for h in hrefs)
        assert driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1"), "the page scrolls sideways on a phone"
        ARTIFACTS.mkdir(exist_ok=True)
        driver.save_screenshot(str(ARTIFACTS / "site-phone.png"))
        assert (ARTIFACTS / "site-phone.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    finally:
        driver.quit()


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
    attack = '<img src=x onerror="alert(1)"> and <script>alert(2)</script>'
    rows = pkg.rows("event_roles")
    pkg.set("event_roles", rows[1][0], rows[0][1], attack)
    assert pkg.validate() == set()
    assert main(["docs", str(pkg.root)]) == 0
    assert main(["export", str(pkg.root)]) == 0
    assert main(["site", str(pkg.root)]) == 0
    page = (pkg.root / "site" / "index.html").read_text(encoding="utf-8")
    links = Links()
    links.feed(page)
    assert links.srcs == [] and "<script" not in page and "onerror=" not in page.replace("onerror=&quot;", "")
    assert "&lt;img src=x onerror=" in page
