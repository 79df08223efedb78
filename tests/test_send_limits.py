"""SES's sending limits (shared/domain/send_limits.py): which refusals are only "not now", and
the pace that keeps every second of sending under the account's maximum send rate."""

from __future__ import annotations

import pytest

from shared.domain.send_limits import PAUSE_AFTER_THROTTLING, SendPace, retry_after


@pytest.mark.parametrize("code, message, seconds", [
    ("TooManyRequestsException", "Maximum sending rate exceeded.", 60),
    ("Throttling", "Maximum sending rate exceeded.", 60),
    ("ThrottlingException", "Daily message quota exceeded.", 600),
    ("LimitExceededException", "Daily message quota exceeded.", 600),
])
def test_the_sending_limits_are_tried_again_later(code, message, seconds):
    assert retry_after(code, message) == seconds


@pytest.mark.parametrize("code, message", [
    ("MessageRejected", "Email address is not verified."), ("MailFromDomainNotVerifiedException", "not verified"),
    ("AccountSuspendedException", "suspended"), ("SendingPausedException", "paused"), ("BadRequestException", "bad"),
    (None, None),
])
def test_every_other_refusal_is_final(code, message):
    assert retry_after(code, message) is None


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def send_times(pace: SendPace, clock: FakeClock, count: int) -> list[float]:
    times = []
    for _ in range(count):
        pace.wait()
        times.append(clock.now)
    return times


def busiest_second(times: list[float]) -> int:
    """The most sends within one second (a send exactly one second after another is in the next)."""
    return max(sum(1 for other in times if start <= other < start + 1 - 1e-9) for start in times)


def test_sends_are_spaced_so_no_second_holds_more_than_the_rate():
    clock = FakeClock()
    pace = SendPace(14, clock, clock.sleep)

    times = send_times(pace, clock, 50)

    assert busiest_second(times) == 14
    assert times[-1] - times[0] == pytest.approx(49 / 14)


def test_a_throttled_send_pauses_the_next_ones():
    clock = FakeClock()
    pace = SendPace(10, clock, clock.sleep)
    pace.wait()
    pace.throttled()

    pace.wait()

    assert clock.now == pytest.approx(100.0 + PAUSE_AFTER_THROTTLING)
