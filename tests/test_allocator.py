"""The command line's allocator setting: buffers freed and asked for again cost no page faults."""

import platform
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's mallopt only: this C library has none")

# Four 5 MB buffers at a time, as a forward's activations: written, freed, asked for again.
PATTERN = """
import resource, sys
import numpy as np
from fcn_studio.allocator import keep_freed_memory
if sys.argv[1] == "kept":
    assert keep_freed_memory()
def forward():
    maps = [np.ones(5 << 17) for _ in range(4)]
    del maps
for _ in range(3):
    forward()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(10):
    forward()
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 10)
"""


def faults_per_pass(mode: str) -> float:
    out = subprocess.run([sys.executable, "-c", PATTERN, mode], capture_output=True, text=True, check=True)
    return float(out.stdout.split()[-1])


def test_freed_buffers_come_back_without_page_faults():
    assert faults_per_pass("default") > 1000  # glibc's own thresholds hand 20 MB of fresh pages back each pass
    assert faults_per_pass("kept") < 50


def test_the_command_line_sets_it(monkeypatch, tmp_path, capsys):
    from fcn_studio import cli

    called = []
    monkeypatch.setattr(cli, "keep_freed_memory", lambda: called.append(True) or True)
    assert cli.main(["info", str(tmp_path / "missing.safetensors")]) != 0  # the command fails; the setting came first
    assert called == [True] and "missing.safetensors" in capsys.readouterr().err
