"""The package list, which pyproject.toml cannot express; all other metadata is in pyproject.toml.

The distribution installs ``instructret/`` and, through the ``package-dir`` mapping in pyproject.toml,
``cli/`` as ``instructret.cli`` and ``integrations/`` as ``instructret.integrations``. setuptools'
``packages.find`` cannot combine that mapping with discovery, so the list is built here: every folder
under those three trees, data folders included (as namespace packages, so their files ship through
``package-data`` without warnings), and never ``tests/``, ``tools/`` or ``benchmarks/``. A new subpackage
or data folder is picked up without editing this file.
"""

import warnings

from setuptools import find_namespace_packages, setup
from setuptools.warnings import InformationOnly

# Folder -> installed package name (the same mapping as [tool.setuptools.package-dir] in pyproject.toml).
TREES = {"instructret": "instructret", "cli": "instructret.cli", "integrations": "instructret.integrations"}


def _packages() -> list[str]:
    found: list[str] = []
    for folder, name in TREES.items():
        found.append(name)
        found += [f"{name}.{sub}" for sub in find_namespace_packages(folder, exclude=["*__pycache__*"])]
    return found


# setuptools reports "Editable installation" (a reminder that the editable finder maps exactly these packages)
# as a warning, which pip shows as one; it is information, not a problem.
warnings.filterwarnings("ignore", message="Editable installation", category=InformationOnly)

setup(packages=_packages())
