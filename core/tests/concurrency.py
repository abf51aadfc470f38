"""Run units of work at the same moment, for concurrency tests.

Each unit runs in its own thread, so on its own database connection (Django
keeps one per thread), closed when the unit is done; a barrier releases the
threads together, so they reach the contended rows as close together as the
machine allows. The threads see only committed data: a test using these
needs `@pytest.mark.django_db(transaction=True)` (and PostgreSQL, for real
row locks: `@pytest.mark.postgresql`).

A guarantee's test and its control run the same scenario; the control first
switches the guard off in the production code (monkeypatching the service's
named locking function, or a flag) and shows the race then breaks it. A
control's unlocked read can be made `in_lockstep`, so that every worker has
read before any of them acts on what it read: the race happens on every run,
however the threads happen to be scheduled.
"""

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib.auth.models import AbstractBaseUser
from django.db import connections
from django.http import HttpResponse
from rest_framework.test import APIClient

T = TypeVar("T")

# Long enough for a slow CI machine, short enough that a deadlock in the code
# under test fails the test instead of hanging the suite.
TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class Outcomes:
    """What each unit of work returned and raised, in the order they were given."""

    results: list[Any]  # None where the unit raised
    errors: list[BaseException | None]  # None where the unit returned

    @property
    def raised(self) -> list[BaseException]:
        return [error for error in self.errors if error is not None]


def run_at_once(work: Sequence[Callable[[], Any]]) -> Outcomes:
    """Call every unit of `work` at once, each in its own thread and database
    connection; wait for all of them and return what each returned or raised."""
    results: list[Any] = [None] * len(work)
    errors: list[BaseException | None] = [None] * len(work)
    start = threading.Barrier(len(work), timeout=TIMEOUT_SECONDS)

    def run(index: int, unit: Callable[[], Any]) -> None:
        try:
            start.wait()
            results[index] = unit()
        except BaseException as error:  # handed to the test, which asserts on it
            errors[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, unit), daemon=True) for i, unit in enumerate(work)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT_SECONDS)
        if thread.is_alive():
            raise AssertionError(f"a unit of work was still running after {TIMEOUT_SECONDS}s (a deadlock?)")
    return Outcomes(results=results, errors=errors)


def requests_at_once(user: AbstractBaseUser, send: Sequence[Callable[[APIClient], HttpResponse]]) -> list[HttpResponse]:
    """Make every request of `send` at once, each from its own API client
    authenticated as `user` (`lambda client: client.post(...)`); return the
    responses in order. An error a view does not handle is a 500 response,
    as the API's client would get it (its traceback is in the captured log)."""

    def from_its_own_client(request: Callable[[APIClient], HttpResponse]) -> Callable[[], HttpResponse]:
        def unit() -> HttpResponse:
            client = APIClient(raise_request_exception=False)
            client.force_authenticate(user)
            return request(client)

        return unit

    outcomes = run_at_once([from_its_own_client(request) for request in send])
    if outcomes.raised:
        raise outcomes.raised[0]
    return outcomes.results


def in_lockstep(read: Callable[..., T], *, parties: int) -> Callable[..., T]:
    """`read`, returning only once `parties` threads have called it (for a
    control's unlocked read: each worker then acts on what it read while the
    others have read the same)."""
    everyone_has_read = threading.Barrier(parties, timeout=TIMEOUT_SECONDS)

    def read_then_wait(*args: Any, **kwargs: Any) -> T:
        value = read(*args, **kwargs)
        everyone_has_read.wait()
        return value

    return read_then_wait
