"""File ▸ Get models…: the catalogue listed, a download from a local server, Cancel, offline, a file by hand."""

from __future__ import annotations

import hashlib
import io

import pytest
import torch

from fcn_studio.app.catalog import Catalog
from fcn_studio.app.session import Session
from fcn_studio.app.view_model import MemoryStore, ViewModel
from fcn_studio.gui import get_models_dialog as dialog_module
from fcn_studio.gui.get_models_dialog import COLUMNS, GetModelsDialog
from fcn_studio.gui.worker import JobRunner
from tests.app.download_server import FileServer, closed_port_url, isolate_downloads
from tests.app.test_downloads import entry_for
from tests.compact_models import compact_model


@pytest.fixture
def body() -> bytes:
    buffer = io.BytesIO()
    torch.save(compact_model("fcn8s", seed=4, family=None).state_dict(), buffer)
    return buffer.getvalue()


@pytest.fixture
def dialog(qtbot, tmp_path, monkeypatch):
    isolate_downloads(tmp_path, monkeypatch)
    vm = ViewModel(Session(Catalog(tmp_path / "no-shipped-models")), MemoryStore(device="cpu"))
    runner = JobRunner()

    def make(urls, hash_):
        entry_for(tmp_path, urls, hash_)
        d = GetModelsDialog(vm, runner)
        qtbot.addWidget(d)
        d.select("fcn8s-test")
        return d

    yield make
    runner.shutdown()


def cell(d, name, column):
    row = next(i for i, e in enumerate(d.entries) if e.name == name)
    return d.table.item(row, COLUMNS.index(column)).text()


def test_the_list_shows_the_catalogue_and_a_download_joins_the_picker(qtbot, dialog, body):
    with FileServer() as server:
        server.files["/m.pth"] = body
        d = dialog([server.url("/m.pth")], f"md5:{hashlib.md5(body).hexdigest()}")
        assert cell(d, "fcn8s-voc", "State") == "not here" and cell(d, "fcn8s-voc", "Classes") == "21"
        assert cell(d, "fcn32s-voc-caffe", "State") == "not here (unverified source)"
        assert "65.5 mean IU" in cell(d, "fcn8s-voc", "Reported result")
        d.download.click()
        assert cell(d, "fcn8s-test", "State") == "downloading" and d.cancel.isEnabled()
        qtbot.waitUntil(lambda: d.handle is None, timeout=20_000)
    assert cell(d, "fcn8s-test", "State") == "ready" and "checked against its published hash" in d.status.text()
    assert d.vm.entry is not None and d.vm.entry.path.name == "fcn8s-test.safetensors"


def test_cancel_keeps_nothing(qtbot, dialog, body, tmp_path):
    with FileServer() as server:
        server.files["/m.pth"] = body
        d = dialog([server.url("/m.pth")], f"md5:{hashlib.md5(body).hexdigest()}")
        server.gate.clear()  # the body waits until Cancel has been pressed
        d.download.click()
        d.cancel.click()
        server.gate.set()
        qtbot.waitUntil(lambda: d.handle is None, timeout=20_000)
    assert d.status.text() == "fcn8s-test: cancelled; nothing was kept"
    assert cell(d, "fcn8s-test", "State") == "not here"
    assert not [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]


def test_offline_shows_the_urls_and_import_from_file_takes_a_file_fetched_elsewhere(qtbot, dialog, body, tmp_path,
                                                                                   monkeypatch):
    url = closed_port_url("m.pth")
    d = dialog([url], f"md5:{hashlib.md5(body).hexdigest()}")
    d.download.click()
    qtbot.waitUntil(lambda: d.handle is None, timeout=20_000)
    text = d.status.text()
    assert text.count(url) == 2 and "cannot connect" in text and text.endswith("Import from file…")
    fetched = tmp_path / "fetched.pth"
    fetched.write_bytes(body)
    monkeypatch.setattr(dialog_module.QFileDialog, "getOpenFileName", lambda *a, **k: (str(fetched), ""))
    d.from_file.click()
    qtbot.waitUntil(lambda: d.handle is None, timeout=20_000)
    assert cell(d, "fcn8s-test", "State") == "ready"


def test_file_menu_opens_get_models_once(qtbot, window):
    file_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&File")
    get = next(a for a in file_menu.actions() if a.text() == "&Get models…")
    get.trigger()
    first = window.get_models_dialog
    assert first is not None and first.isVisible() and first.table.rowCount() >= 16
    first.hide()
    get.trigger()
    assert window.get_models_dialog is first and first.isVisible()
