"""File names of the downloads, derived from the package's name and version in one place."""

from __future__ import annotations

import re

from validate.descriptor import Descriptor


def release(desc: Descriptor) -> str:
    """`{name}-{version}`: the zip's name and the one folder it unpacks into."""
    return f"{desc.data['name']}-{desc.data['version']}"


def database(desc: Descriptor) -> str:
    """The SQLite database's name (its file is `{database}.sqlite`): the release name with every
    character Datasette would escape in a URL (a dot becomes `~2E`) replaced by `_`."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", release(desc))
