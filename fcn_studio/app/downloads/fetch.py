"""Fetching one file from a list of sources, with pooch (what SciPy, scikit-image and napari use).

pooch streams into a temporary file beside the target and moves it into place only once its
hash matches, retries a failed or damaged transfer, and does its HTTP through requests, which
honours the system's proxy variables and CA bundle (`REQUESTS_CA_BUNDLE`); TLS verification is
never switched off here. What this module adds: the sources tried in order (a mirror first),
progress with rate and ETA through a callback, Cancel (the temporary file goes with it), and one
clear message when nothing worked. Nothing is fetched at import time: only `fetch` goes online.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ...engine.backends.cache import cache_dir as program_cache_dir
from ...errors import DownloadError
from ...training.events import CancelToken

log = logging.getLogger(__name__)

MIRROR_ENV = "FCN_STUDIO_MIRROR"
TIMEOUT_S = 30
CHUNK = 1 << 16
_GOT = re.compile(r"expected (\S+) but got (\w+)")


class _Refused(Exception):
    """A 4xx answer, which no retry changes: raised past pooch's retry loop, which retries
    only ValueError and requests' errors."""

    def __init__(self, status: int):
        super().__init__(status)
        self.status = status


class DownloadCancelled(Exception):
    """The user cancelled; raised from pooch's progress callback so its temporary file is removed.

    Not a ValueError nor a requests error: pooch would retry those."""


@dataclass(frozen=True)
class DownloadProgress:
    """How far a download is: bytes done of total (0 when the server does not say), rate, ETA."""

    name: str
    url: str
    done: int
    total: int
    rate: float  # bytes per second
    eta: float | None  # seconds left, None when unknown

    @property
    def message(self) -> str:
        size = f"{self.done / 1e6:.1f} of {self.total / 1e6:.1f} MB" if self.total else f"{self.done / 1e6:.1f} MB"
        left = f", {int(self.eta) // 60}:{int(self.eta) % 60:02d} left" if self.eta is not None else ""
        return f"{self.name}: {size}, {self.rate / 1e6:.1f} MB/s{left}"


ProgressCallback = Callable[[DownloadProgress], None]


def cache_dir() -> Path:
    """Downloads live in the program's cache folder ($FCN_STUDIO_CACHE moves it), beside the exported models."""
    return program_cache_dir() / "downloads"


def source_urls(urls: tuple[str, ...] | list[str], file_name: str) -> list[str]:
    """The sources in the order tried: `$FCN_STUDIO_MIRROR/<file name>` first when set."""
    mirror = os.environ.get(MIRROR_ENV, "").strip()
    return ([f"{mirror.rstrip('/')}/{file_name}"] if mirror else []) + list(urls)


class _Bar:
    """pooch's progress-bar protocol (total, update, reset, close) turned into DownloadProgress events."""

    def __init__(self, name: str, url: str, on_progress: ProgressCallback | None, cancel: CancelToken, every_s: float):
        self.name, self.url, self.on_progress, self.cancel, self.every_s = name, url, on_progress, cancel, every_s
        self.total = 0
        self.done = 0
        self.start = time.monotonic()
        self.last = 0.0

    def update(self, n: int) -> None:
        if self.cancel.cancelled:
            raise DownloadCancelled(self.url)
        self.done += n
        now = time.monotonic()
        if self.on_progress is not None and (now - self.last >= self.every_s or (self.total and self.done >= self.total)):
            self.last = now
            done = min(self.done, self.total) if self.total else self.done
            rate = done / max(now - self.start, 1e-6)
            eta = (self.total - done) / rate if self.total and rate > 0 else None
            self.on_progress(DownloadProgress(self.name, self.url, done, self.total, rate, eta))

    def reset(self) -> None:
        self.done = 0

    def close(self) -> None:
        """Nothing to release: the events already went out."""


def fetch(urls: list[str], dest: Path, known_hash: str | None, on_progress: ProgressCallback | None = None,
          cancel: CancelToken | None = None, retries: int = 2, every_s: float = 0.25) -> tuple[Path, str]:
    """`dest`, downloaded from the first source that works (or already there with the right hash).

    Returns the file and the URL it came from ("" when it was already cached). `known_hash` is
    pooch's "md5:…"; with None the file is taken as it comes (the caller checks it). A source that
    answers 404, cannot be reached, cuts the transfer or sends other bytes is left for the next;
    when none works, DownloadError lists every source and its reason. A full disk stops at once.
    """
    import pooch
    import requests

    cancel = cancel or CancelToken()
    pooch.get_logger().setLevel(logging.WARNING)  # its "Downloading…" lines: the progress events say it
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.is_file() and (known_hash is None or pooch.file_hash(str(dest), known_hash.split(":")[0]) ==
                           known_hash.split(":", 1)[1].lower()):
        return dest, ""
    reasons: list[str] = []
    for url in urls:
        bar = _Bar(dest.name, url, on_progress, cancel, every_s)
        registry = pooch.create(path=dest.parent, base_url="", registry={dest.name: known_hash},
                                urls={dest.name: url}, retry_if_failed=retries)
        downloader = _downloader(pooch.HTTPDownloader(progressbar=bar, chunk_size=CHUNK, timeout=TIMEOUT_S))
        try:
            registry.fetch(dest.name, downloader=downloader)
            return dest, url
        except DownloadCancelled:
            log.info("download of %s cancelled", url)
            raise
        except ValueError as exc:  # pooch's hash check
            got = _GOT.search(str(exc))
            algorithm = (known_hash or "").split(":")[0]
            reasons.append(f"{url}: its {algorithm} is {got.group(2) if got else '?'} but the catalogue says "
                           f"{known_hash.split(':', 1)[1] if known_hash else '?'}; refused, nothing kept")
        except _Refused as exc:
            reasons.append(f"{url}: the server answered {exc.status}")
        except requests.exceptions.RequestException as exc:
            reasons.append(f"{url}: {_network_reason(exc)} (after {retries + 1} tries)")
        except OSError as exc:
            what = "the disk is full" if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
            raise DownloadError(dest.parent, f"could not write {dest.name} ({what}); nothing was kept") from None
        log.debug("%s", reasons[-1])  # the final error lists every source: one line, not one per source
    raise DownloadError(None, "; ".join(reasons) or "no source to download from")


def _downloader(http: Callable) -> Callable:
    """pooch's HTTP downloader, with a 4xx answer (404: not there) made final rather than retried."""
    import requests

    def download(url: str, output_file: str, registry: object) -> None:
        try:
            http(url, output_file, registry)
        except requests.exceptions.HTTPError as exc:
            status = exc.response.status_code if exc.response is not None else 0
            if 400 <= status < 500:
                raise _Refused(status) from None
            raise

    return download


def _network_reason(exc: Exception) -> str:
    import requests

    if isinstance(exc, requests.exceptions.SSLError):
        return "the server's certificate is not trusted (set REQUESTS_CA_BUNDLE to your CA bundle)"
    if isinstance(exc, requests.exceptions.Timeout):
        return f"no answer within {TIMEOUT_S} s"
    if isinstance(exc, requests.exceptions.ConnectionError):
        return "cannot connect (no network, a proxy or firewall in the way, or the server is down)"
    return f"the transfer broke off ({type(exc).__name__})"


def hash_prefix_matches(path: Path, prefix: str) -> str | None:
    """None when the file's sha256 starts with `prefix` (torchvision's rule), else its sha256."""
    import pooch

    digest = pooch.file_hash(str(path), "sha256")
    return None if digest.startswith(prefix.lower()) else digest
