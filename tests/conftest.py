import os

# Qt aborts the process without a display; every test runs offscreen.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402  (the platform must be set before anything imports Qt)

from fcn_studio.engine import devices  # noqa: E402
from fcn_studio.engine.backends import BACKEND_ENV  # noqa: E402
from fcn_studio.engine.backends.cache import CACHE_ENV  # noqa: E402


@pytest.fixture(autouse=True)
def _auto_precision_is_fp32(monkeypatch):
    """`precision="auto"` is bf16 on CPUs with native bf16 and fp32 elsewhere; tests compare results
    with plain fp32 forwards, so they pin auto to fp32 and pass on both kinds of machine alike
    (tests/engine/test_predictor.py checks the real choice)."""
    monkeypatch.setattr(devices, "cpu_has_native_bf16", lambda: False)


@pytest.fixture(autouse=True)
def _auto_backend_is_torch(monkeypatch, tmp_path_factory):
    """`backend="auto"` is a runtime on most CPUs; the general suite compares with PyTorch forwards
    bit for bit, so it pins auto to PyTorch (tests/engine/test_backends*.py test the runtimes and
    the real choice). Exports go to one cache per test session, never the user's."""
    monkeypatch.setenv(BACKEND_ENV, "torch")
    monkeypatch.setenv(CACHE_ENV, str(tmp_path_factory.getbasetemp() / "fcn-studio-cache"))
