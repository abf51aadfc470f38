"""Push providers for tests run in worker processes (set by
NOTIFICATION_PUSH_PROVIDER in the worker's environment)."""

import os
import time

from core.services.notification_channels import FilePushProvider

_stalled = False


class StallingPushProvider(FilePushProvider):
    """Records like FilePushProvider, except that the process's first send
    hangs for PUSH_STALL_SECONDS and then fails without sending: a worker
    frozen (or about to be killed) before it sent anything."""

    def send(self, **message) -> None:
        global _stalled
        if not _stalled:
            _stalled = True
            time.sleep(float(os.environ["PUSH_STALL_SECONDS"]))
            raise TimeoutError("stalled, nothing sent")
        super().send(**message)


class DyingPushProvider(FilePushProvider):
    """Records like FilePushProvider, except that the process dies on the
    spot, writing nothing more, when it is asked to push "poison"."""

    def send(self, **message) -> None:
        if message["title"] == "poison":
            os._exit(1)
        super().send(**message)


class UnreachablePushProvider:
    """A push service that cannot be reached: every send fails (transient)."""

    def send(self, **message) -> None:
        raise ConnectionRefusedError("push service unreachable")
