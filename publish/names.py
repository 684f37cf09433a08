"""File names of the downloads, derived from the package's name and version in one place."""

from __future__ import annotations

import re

from validate.descriptor import PACKAGE_NAME, SEMVER, Descriptor


def release(desc: Descriptor) -> str:
    """`{name}-{version}`: the zip's name and the one folder it unpacks into. The validator has
    checked both (a Data Package name, a semantic version); they are checked again here so that a
    name never becomes a path, even for a descriptor nobody validated."""
    name, version = desc.data.get("name"), desc.data.get("version")
    name = name if isinstance(name, str) and PACKAGE_NAME.fullmatch(name) else "package"
    return f"{name}-{version}" if isinstance(version, str) and SEMVER.fullmatch(version) else name


def database(desc: Descriptor) -> str:
    """The SQLite database's name (its file is `{database}.sqlite`): the release name with every
    character Datasette would escape in a URL (a dot becomes `~2E`) replaced by `_`."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", release(desc))
