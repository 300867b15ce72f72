"""What the distribution installs: the library and its data, never test, benchmark or generator code."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
import urllib.request
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# Code that moved out of the installed package into the repository's tests/support and tools/.
MOVED_OUT = ["instructret.synthesis.testserver", "instructret.evaluation.mteb_parity", "instructret.demo.builder",
             "instructret.demo.items", "instructret.demo.text", "instructret.demo.topics",
             "instructret.demo.train_topics", "instructret.demo.eval_topics", "instructret.demo.followir_spec",
             "instructret.demo.instructions"]


@pytest.mark.parametrize("name", MOVED_OUT)
def test_dev_only_modules_are_not_in_the_package(name):
    assert importlib.util.find_spec("instructret") is not None
    assert importlib.util.find_spec(name) is None


def test_the_test_server_runs_as_its_own_process_from_the_repository_root():
    # benchmarks/perf_synth.py starts it this way
    cmd = [sys.executable, "-m", "tests.support.testserver", "--latency", "0"]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        base_url = proc.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/v1")
        with urllib.request.urlopen(f"{base_url}/models", timeout=10) as reply:
            assert json.load(reply)["data"][0]["id"] == "test-model"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_the_demo_generator_runs_as_a_module_from_the_repository_root(tmp_path):
    out = subprocess.run([sys.executable, "-m", "tools.demo_data", "--out", str(tmp_path)], cwd=REPO,
                         capture_output=True, text=True, check=True).stdout
    assert "seeds.jsonl" in out
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.jsonl"))
    assert written == ["followir/corpus.jsonl", "followir/qrels_changed.jsonl", "followir/qrels_og.jsonl",
                       "followir/queries.jsonl", "followir/top_ranked.jsonl", "general.jsonl", "seeds.jsonl"]


def _source_copy(dest: Path) -> Path:
    """The files a checkout holds (tracked or new, not ignored), copied to ``dest``."""
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("needs a git checkout to list the source files")
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                            capture_output=True, text=True, check=True).stdout.split("\0")
    for rel in filter(None, listed):
        src = REPO / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    return dest


def test_the_wheel_holds_the_library_and_its_data_only_and_builds_without_warnings(tmp_path):
    src = _source_copy(tmp_path / "src")
    # a subpackage with a data folder that no configuration names: it must ship all the same
    (src / "instructret" / "zz_new").mkdir()
    (src / "instructret" / "zz_new" / "__init__.py").write_text('"""A new subpackage."""\n')
    (src / "instructret" / "zz_new" / "data").mkdir()
    (src / "instructret" / "zz_new" / "data" / "table.json").write_text("{}\n")
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                            "-w", str(tmp_path / "dist"), str(src)], capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    assert "warning" not in (build.stdout + build.stderr).lower(), build.stdout + build.stderr

    (wheel,) = (tmp_path / "dist").glob("instructret-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    tops = {n.split("/")[0] for n in names}
    assert tops == {"instructret", next(t for t in tops if t.endswith(".dist-info"))}  # no tests/, tools/, cli/ ...
    for expected in ("instructret/py.typed", "instructret/cli/app.py", "instructret/integrations/langchain.py",
                     "instructret/demo/__init__.py", "instructret/demo/data/README.md",
                     "instructret/demo/data/seeds.jsonl", "instructret/demo/data/followir/corpus.jsonl",
                     "instructret/zz_new/__init__.py", "instructret/zz_new/data/table.json"):
        assert expected in names
    assert not [n for n in names if n.startswith("instructret/demo/") and n.endswith(".py")
                and n != "instructret/demo/__init__.py"]
    assert not [n for n in names if n.endswith(("testserver.py", "mteb_parity.py")) or "__pycache__" in n]

    # installed (not editable), the bundled data is found from any working directory
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    probe = ("import instructret, instructret.cli.app; from instructret.demo import followir_dir, seeds_path;"
             "print(instructret.__file__); print(sorted(p.name for p in followir_dir().iterdir()));"
             "print(sum(1 for _ in seeds_path().open()))")
    run = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"})
    file, followir, seeds = run.stdout.splitlines()
    assert Path(file).is_relative_to(site)
    assert followir == str(sorted(["corpus.jsonl", "qrels_changed.jsonl", "qrels_og.jsonl", "queries.jsonl",
                                   "top_ranked.jsonl"]))
    assert seeds == "24"
