"""Write docs/screenshot-get-models-{list,downloading,offline}.png: File ▸ Get models… in three states.

    QT_QPA_PLATFORM=offscreen PYTHONPATH=. python scripts/screenshot_get_models.py [OUT_DIR]

The download comes from a throttled HTTP server on 127.0.0.1 that this script starts (a lab's
catalogue entry, through $FCN_STUDIO_CATALOGUE), the offline one from a port where nothing
listens; cache and catalogue live in a scratch folder, so the user's are not touched.
"""

from __future__ import annotations

import hashlib
import os
import socket
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from PySide6.QtWidgets import QApplication

from fcn_studio.app.catalog import Catalog
from fcn_studio.app.session import Session
from fcn_studio.app.view_model import MemoryStore, ViewModel
from fcn_studio.gui.get_models_dialog import GetModelsDialog
from fcn_studio.gui.worker import JobRunner
from pump import pump

BODY = os.urandom(48_000_000)  # stands for a 48 MB file; sent at ~12 MB/s
ENTRY = """[[file]]
name = "{name}"
title = "FCN-8s PASCAL VOC from the lab's server"
kind = "model"
arch = "fcn8s"
classes = 21
class_names = "voc"
result = "65.5 mean IU on seg11valid (reference README)"
input = "caffe-voc"
size_mb = 48
urls = ["{url}"]
file_name = "{name}.pth"
hash = "md5:{md5}"
hash_source = "the lab"
format = "pytorch-fcn"
licence = "BVLC model licence"
"""


class Throttled(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        for start in range(0, len(BODY), 1 << 18):
            self.wfile.write(BODY[start:start + (1 << 18)])
            time.sleep(0.02)

    def log_message(self, *args) -> None:
        """Quiet."""


def main(out: Path) -> int:
    scratch = Path(tempfile.mkdtemp(prefix="get-models-"))
    os.environ["FCN_STUDIO_CACHE"] = str(scratch / "cache")
    os.environ["FCN_STUDIO_CATALOGUE"] = str(scratch / "lab.toml")
    server = ThreadingHTTPServer(("127.0.0.1", 0), Throttled)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    md5 = hashlib.md5(BODY).hexdigest()
    (scratch / "lab.toml").write_text(
        ENTRY.format(name="fcn8s-voc-lab", url=f"http://127.0.0.1:{server.server_address[1]}/fcn8s.pth", md5=md5)
        + "\n" + ENTRY.format(name="fcn8s-voc-offline", url=f"http://127.0.0.1:{closed}/fcn8s.pth", md5=md5))
    app = QApplication.instance() or QApplication(sys.argv[:1])
    runner = JobRunner()
    dialog = GetModelsDialog(ViewModel(Session(Catalog(scratch / "none")), MemoryStore(device="cpu")), runner)
    dialog.show()
    pump(app, lambda: False, 0.5)
    out.mkdir(parents=True, exist_ok=True)
    dialog.grab().save(str(out / "screenshot-get-models-list.png"))
    dialog.select("fcn8s-voc-lab")
    dialog.start_download()
    pump(app, lambda: dialog.bar.maximum() == 1000 and dialog.bar.value() > 400, 30)
    dialog.grab().save(str(out / "screenshot-get-models-downloading.png"))
    dialog.cancel_download()
    pump(app, lambda: dialog.handle is None, 30)
    dialog.select("fcn8s-voc-offline")
    dialog.start_download()
    pump(app, lambda: dialog.handle is None, 60)
    dialog.grab().save(str(out / "screenshot-get-models-offline.png"))
    runner.shutdown()
    server.shutdown()
    print(f"wrote 3 screenshots to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs")))
