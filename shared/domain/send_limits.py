"""Amazon SES's sending limits: which refusals are only "not now", how long to wait before trying
again, and the pace that stays under the account's maximum send rate.

SES answers a send beyond the maximum send rate, or beyond the daily quota, with a throttling
error ("Maximum sending rate exceeded" / "Daily message quota exceeded") and drops the message:
nothing was sent, and it should be sent again later ("wait for an interval of up to 10 minutes,
and then retry"): https://docs.aws.amazon.com/ses/latest/dg/manage-sending-quotas-errors.html.
The SESv2 API names the error TooManyRequestsException (SES v1: Throttling); LimitExceededException
is the other code its SendEmail answers for a limit reached
(https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html). Every other
refusal (MessageRejected, an unverified domain, a bad address...) is final for that message.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

# a new production account may send 14 messages a second
# (https://docs.aws.amazon.com/ses/latest/dg/manage-sending-quotas.html); set SES_MAX_SEND_RATE to
# the account's MaxSendRate (`aws sesv2 get-account` → SendQuota)
DEFAULT_MAX_SEND_RATE = 14.0
THROTTLING_CODES = frozenset({"Throttling", "ThrottlingException", "TooManyRequestsException",
                              "LimitExceededException"})
RATE_RETRY_SECONDS = 60  # the next sweep: the rate is per second, so it has long recovered by then
QUOTA_RETRY_SECONDS = 600  # the 10 minutes SES's guide asks for; the daily quota frees up as the 24 hours roll
PAUSE_AFTER_THROTTLING = 1.0  # seconds every sender of the process waits after a throttled send


def retry_after(code: str | None, message: str | None) -> int | None:
    """Seconds to wait before sending again when SES refused a message with this error, or None
    when the refusal is final (the message itself, its sender or its recipients were refused)."""
    if code not in THROTTLING_CODES:
        return None
    return QUOTA_RETRY_SECONDS if "daily" in (message or "").lower() else RATE_RETRY_SECONDS


class SendPace:
    """At most `rate` sends a second from this process, spaced evenly (so no second ever holds
    more than `rate`), shared by every thread; after SES throttled a send, every sender waits
    `PAUSE_AFTER_THROTTLING` before the next one."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._interval = 1.0 / rate
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self._next = 0.0

    def wait(self) -> float:
        """Block until this send's turn (a time of `clock`), and answer it."""
        with self._lock:
            now = self._clock()
            turn = max(now, self._next)
            self._next = turn + self._interval
        if turn > now:
            self._sleep(turn - now)
        return turn

    def throttled(self) -> None:
        with self._lock:
            self._next = max(self._next, self._clock() + PAUSE_AFTER_THROTTLING)
