"""The generator of the bundled demo data in ``instructret/demo/data`` (standard library only).

The installed package ships only the generated files and :mod:`instructret.demo`, which finds them; this
generator stays in the repository. Regenerate the files from the repository root with::

    python -m tools.demo_data --out instructret/demo/data

``tests/demo/test_demo_builder.py`` checks that the committed files equal a fresh generation byte for byte.
"""

from .builder import DEFAULT_SEED, DemoData, build_all, main, write_demo_data

__all__ = ["DEFAULT_SEED", "DemoData", "build_all", "main", "write_demo_data"]
