import gc
import sys

# Off while the libraries import; each command turns it on again once they are (cli.imported).
gc.disable()

# pandera imports hypothesis (its data-synthesis strategies) on first use when it is installed,
# as it is in this venv for the tests; the validator never synthesises data, and the import
# costs ~0.3 s per run. A None entry makes `import hypothesis` fail, which pandera handles.
sys.modules.setdefault("hypothesis", None)

from .cli import main  # noqa: E402

sys.exit(main())
