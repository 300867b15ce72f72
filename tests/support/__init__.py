"""Test support shared by the test suite and the benchmarks; not part of the installed package.

- :mod:`tests.support.testserver`: the OpenAI-compatible test server with scriptable faults (also runs as its
  own process: ``python -m tests.support.testserver`` from the repository root);
- :mod:`tests.support.mteb_parity`: mteb's own FollowIR evaluation on a local directory, the reference that
  instructret's metrics are checked against (needs ``mteb``).

pytest finds this package through ``pythonpath = ["."]`` in ``pyproject.toml``; benchmarks put the repository
root on ``sys.path`` themselves.
"""
