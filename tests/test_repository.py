"""Repository files that tools read: citation, workflow, hooks, make targets."""

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DESCRIPTOR = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))


def test_citation_is_cff_1_2_and_cites_the_current_version():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0"
    assert {"message", "title", "authors", "type", "license"} <= set(cff)
    assert cff["version"] == DESCRIPTOR["version"], "CITATION.cff must cite the released data version"
    assert cff["license"] == DESCRIPTOR["licenses"][0]["name"]


def test_changelog_has_a_section_for_the_current_version():
    log = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(rf"^## \[{re.escape(DESCRIPTOR['version'])}\] - \d{{4}}-\d{{2}}-\d{{2}}$", log, re.M)


def test_workflow_runs_the_tests_annotations_and_version_check():
    flow = yaml.safe_load((ROOT / ".github" / "workflows" / "validate.yml").read_text(encoding="utf-8"))
    commands = "\n".join(step.get("run", "") for step in flow["jobs"]["validate"]["steps"])
    assert ".ci/run" in commands and "--format github" in commands and "--check-version" in commands


def test_pre_commit_hooks_go_through_make_so_that_a_fresh_clone_sets_itself_up():
    hooks = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))["repos"][0]["hooks"]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for hook in hooks:
        command = hook["entry"].split()
        assert command[0] == "make" and re.search(rf"^{command[-1]}: \$\(STAMP\)", makefile, re.M), hook["entry"]
    assert {h["entry"].split()[-1] for h in hooks} == {"fmt-check", "validate", "docs-check"}


def test_make_targets_and_ci_entry_point():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in ["validate", "test", "fmt", "diff", "bump", "docs"]:
        assert re.search(rf"^{target}: ", makefile, re.M), target
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme.index("make validate") < readme.index("make test") < readme.index("## ")


@pytest.mark.parametrize("lacks", ["old-python", "no-venv"])
def test_make_says_what_a_bare_machine_lacks_before_installing_anything(tmp_path, lacks):
    import subprocess

    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    shutil.copy(ROOT / "requirements.lock", tmp_path / "requirements.lock")
    fake = tmp_path / "python"  # answers as a Python 3.10, or as a 3.11 whose venv module is missing
    fake.write_text("#!/bin/sh\n" + ("exit 1\n" if lacks == "old-python" else
                    'case "$1" in -c) exit 0;; -m) echo "ensurepip is not available" >&2; exit 1;; esac\n'))
    fake.chmod(0o755)
    done = subprocess.run(["make", "validate", f"PYTHON={fake}"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and not (tmp_path / ".venv").exists()
    assert ("is not Python 3.11 or newer" if lacks == "old-python" else "install python3-venv") in done.stderr
