"""SNS signing certificates: fetched once per warm Lambda and kept, so verifying the next
message signed with the same certificate makes no network call. Only URLs that
`sns.check_certificate_url` accepts are ever fetched."""

from __future__ import annotations

import http.client
import threading
import urllib.request
from pathlib import Path

from shared.config import CONFIG
from shared.domain import sns

FETCH_TIMEOUT_SECONDS = 5
MAX_CERTIFICATE_BYTES = 64 * 1024

_cache: dict[str, bytes] = {}
_lock = threading.Lock()


def certificate(url: str) -> bytes:
    """The PEM at `url` (already checked to be an SNS certificate URL); SnsRejected if it
    cannot be had."""
    cached = _cache.get(url)
    if cached is not None:
        return cached
    with _lock:
        if url not in _cache:
            _cache[url] = _load(url)
        return _cache[url]


def _load(url: str) -> bytes:
    pinned = CONFIG.sns_certificate_pins.get(url)
    if pinned:
        return Path(pinned).read_bytes()
    try:
        with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT_SECONDS) as response:  # nosec B310  # noqa: S310 - only https://sns.<region>.amazonaws.com/….pem (check_certificate_url)
            pem: bytes = response.read(MAX_CERTIFICATE_BYTES + 1)
    except (OSError, http.client.HTTPException) as error:  # URLError and timeouts are OSErrors; a body cut short is not
        raise sns.SnsRejected(f"the signing certificate could not be fetched ({type(error).__name__})") from None
    if len(pem) > MAX_CERTIFICATE_BYTES:
        raise sns.SnsRejected("the signing certificate is implausibly large")
    return pem
