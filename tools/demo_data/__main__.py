"""``python -m tools.demo_data --out DIR [--seed N]``: regenerate the bundled demo data."""

from .builder import main

raise SystemExit(main())
