"""A real `datasette serve` on 127.0.0.1 reads the export's metadata.json: the package's metadata,
a table's rows with its vocabulary facets, and the column descriptions of the descriptor."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from markupsafe import escape

from publish import names
from publish.datasette import metadata, vocabulary_fields
from publish.export import tables
from validate.cli import main
from validate.descriptor import load

ROOT = Path(__file__).resolve().parent.parent
DESC, _ = load(ROOT)
TABLE = next(r["name"] for r in DESC.resources  # the first table with vocabulary fields and an integer field
             if vocabulary_fields(DESC, r) and any(f.get("type") == "integer" for f in r["schema"]["fields"]))
STARTUP_SECONDS = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    pytest.importorskip("datasette", reason="datasette is not installed (pip install -r requirements.lock)")
    dist = tmp_path_factory.mktemp("datasette") / "dist"
    assert main(["export", str(ROOT), "--out", str(dist)]) == 0
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "datasette", "serve", "--immutable", str(dist / f"{names.database(DESC)}.sqlite"),
                               "--metadata", str(dist / "metadata.json"), "--host", "127.0.0.1", "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                get(f"{base}/-/versions.json")
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    server.kill()
                    pytest.fail(f"datasette did not start within {STARTUP_SECONDS} s: {server.communicate()[0].decode()[-2000:]}")
                time.sleep(0.2)
        yield base, dist
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_served_metadata_is_the_exported_metadata(served):
    base, dist = served
    assert json.loads(get(f"{base}/-/metadata.json")) == json.loads((dist / "metadata.json").read_text(encoding="utf-8"))


def test_table_json_has_every_row_and_the_vocabulary_facets(served):
    base, _ = served
    data = json.loads(get(f"{base}/{names.database(DESC)}/{TABLE}.json?_size=max"))
    key = DESC.resource(TABLE)["schema"]["primaryKey"][0]
    rows = [dict(zip(data["columns"], r)) for r in data["rows"]]
    assert [r[key] for r in rows] == tables(ROOT, DESC)[TABLE].column(key).to_pylist()
    assert set(data["facet_results"]) == set(vocabulary_fields(DESC, DESC.resource(TABLE))) != set()


def test_table_page_shows_the_descriptors_column_descriptions(served):
    base, _ = served
    page = get(f"{base}/{names.database(DESC)}/{TABLE}").decode()
    for field in DESC.resource(TABLE)["schema"]["fields"]:
        assert f"<dt>{field['name']}</dt><dd>{escape(field['description'])}</dd>" in page


def test_metadata_takes_units_licences_and_sources_from_the_descriptor(pkg):
    d = pkg.descriptor()
    res = pkg.resource(d, TABLE)
    numeric = next(f for f in res["schema"]["fields"] if f.get("type") == "integer")
    numeric["unit"] = "km"
    d["sources"] = [{"title": "An archive", "path": "https://example.org/archive"}]
    pkg.write_descriptor(d)
    desc, _ = load(pkg.root)
    meta = metadata(desc, tables(pkg.root, desc), "db", [])
    table = meta["databases"]["db"]["tables"][TABLE]
    assert table["units"] == {numeric["name"]: "km"} and table["columns"][numeric["name"]] == numeric["description"]
    assert (meta["source"], meta["source_url"]) == ("An archive", "https://example.org/archive")
    assert (meta["license"], meta["license_url"]) == (d["licenses"][0]["name"], d["licenses"][0]["path"])
    own = next(r for r in d["resources"] if r.get("licenses"))
    assert meta["databases"]["db"]["tables"][own["name"]]["license"] == own["licenses"][0]["name"]
