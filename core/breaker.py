"""A circuit breaker for a shared service (Redis as cache or broker): after a
failure the service is left alone for a few seconds, so while it is down each
process pays one timeout now and then instead of one per request."""

import time


class Breaker:
    def __init__(self, pause_seconds: float = 5.0) -> None:
        self.pause_seconds = pause_seconds
        self.closed_until = 0.0

    def allows(self) -> bool:
        return time.monotonic() >= self.closed_until

    def trip(self) -> None:
        self.closed_until = time.monotonic() + self.pause_seconds

    def reset(self) -> None:
        self.closed_until = 0.0
