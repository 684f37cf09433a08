import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

# Locally every run explores new examples; in CI the same ones, so that a submission's result
# does not depend on luck (a failure found locally is kept in .hypothesis/ and replayed).
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

from helpers import Pkg

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def pkg(tmp_path) -> Pkg:
    """A private copy of the real package (descriptor and data/ only) to corrupt."""
    shutil.copy(ROOT / "datapackage.json", tmp_path / "datapackage.json")
    shutil.copytree(ROOT / "data", tmp_path / "data")
    return Pkg(tmp_path)
