import shutil
from pathlib import Path

import pytest

from helpers import Pkg

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def pkg(tmp_path) -> Pkg:
    """A private copy of the real package (descriptor and data/ only) to corrupt."""
    shutil.copy(ROOT / "datapackage.json", tmp_path / "datapackage.json")
    shutil.copytree(ROOT / "data", tmp_path / "data")
    return Pkg(tmp_path)
