import pytest
import subprocess
import sys
import zipfile
from pathlib import Path

from fcn_studio import paths

pytestmark = pytest.mark.slow  # `make check` leaves these out: see the Makefile

ROOT = Path(__file__).resolve().parents[1]


def test_checkout_layout_finds_top_level_folders():
    assert paths.resources_dir() == ROOT / "resources"
    assert paths.models_dir() == ROOT / "models"


def test_sample_images_skip_masks(tmp_path, monkeypatch):
    (tmp_path / "samples").mkdir()
    for name in ("b.png", "a.jpg", "a_mask.png", "notes.txt"):
        (tmp_path / "samples" / name).write_bytes(b"x")
    monkeypatch.setattr(paths, "resources_dir", lambda: tmp_path)
    assert [p.name for p in paths.sample_images()] == ["a.jpg", "b.png"]


def test_wheel_carries_resources_and_models_inside_the_package(tmp_path):
    """A wheel install has no checkout beside it: resources/ and models/ must travel inside."""
    res = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-2000:]
    wheel = next(tmp_path.glob("fcn_studio-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for folder in ("resources", "models"):
        shipped = [p.relative_to(ROOT).as_posix() for p in (ROOT / folder).rglob("*") if p.is_file()]
        assert shipped, folder
        for rel in shipped:
            assert f"fcn_studio/{rel}" in names
    assert any(n.endswith("entry_points.txt") for n in names)
    assert {"fcn_studio/app/downloads/catalogue.toml", "fcn_studio/app/downloads/seg11valid.txt"} <= set(names)
    # One top-level package: the benchmarks travel inside it, never as a site-packages `benchmarks/`.
    assert {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")} == {"fcn_studio"}
    assert "fcn_studio/benchmarks/report.py" in names
