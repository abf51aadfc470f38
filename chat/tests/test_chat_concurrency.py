"""Unread counts stay exact while messages are sent and read at the same
moment, and a read cursor never moves back (PostgreSQL, real row locks,
threads with their own connections). Each guarantee has a control that
switches its guard off in chat.services.messages and shows it break."""

import random
import threading

import pytest
from django.db.models import Q

from chat.models import Conversation, Message
from chat.selectors.conversations import inbox, timeline, unread_total
from chat.services import messages
from chat.tests.factories import conversation, send
from core.tests.concurrency import run_at_once

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    settings.CHAT_MESSAGES_PER_MINUTE = 100_000


def without_the_send_turn(monkeypatch) -> None:
    monkeypatch.setattr(messages, "conversation_turn_take", lambda conversation_id: None)


def without_the_forward_only_guard(monkeypatch) -> None:
    monkeypatch.setattr(messages, "cursor_forward_only", lambda column, message_id: Q())


def _late_commit_scenario(monkeypatch) -> tuple[Conversation, set[int]]:
    """Sender A has inserted its message and not committed; sender B sends;
    the host lists the timeline and reads up to the newest message it saw;
    then A finishes. Returns the conversation and the ids the host saw."""
    talk = conversation()
    a_inserted, b_sent, host_done = threading.Event(), threading.Event(), threading.Event()
    pausing = threading.local()
    advance = messages._conversation_advance

    def advance_pausing_a(*args):
        # Called in the send's transaction, right after the message's INSERT.
        if getattr(pausing, "here", False):
            a_inserted.set()
            host_done.wait(10)
        return advance(*args)

    monkeypatch.setattr(messages, "_conversation_advance", advance_pausing_a)
    seen: set[int] = set()

    def sender_a():
        pausing.here = True
        send(talk, talk.guest, "a")

    def sender_b():
        a_inserted.wait(10)
        send(talk, talk.guest, "b")
        b_sent.set()

    def host():
        a_inserted.wait(10)
        b_sent.wait(2)  # with the turn guard B waits for A: the host reads without it
        page = timeline(conversation=talk, size=100)
        seen.update(message.pk for message in page)
        if page:
            messages.conversation_read_mark(user=talk.host, conversation_id=talk.pk, message_id=page[0].pk)
        host_done.set()

    outcomes = run_at_once([sender_a, sender_b, host])
    assert not outcomes.raised, outcomes.raised
    return talk, seen


def _unseen(talk: Conversation, seen: set[int]) -> int:
    return Message.objects.filter(conversation=talk, sender=talk.guest).exclude(pk__in=seen).count()


def test_a_message_that_commits_late_is_still_unread_for_a_reader_who_did_not_see_it(monkeypatch):
    talk, seen = _late_commit_scenario(monkeypatch)

    assert unread_total(user=talk.host) == _unseen(talk, seen) == 2 - len(seen)


def test_control_without_the_send_turn_a_late_message_is_read_without_being_seen(monkeypatch):
    without_the_send_turn(monkeypatch)

    talk, seen = _late_commit_scenario(monkeypatch)

    assert _unseen(talk, seen) == 1
    assert unread_total(user=talk.host) == 0  # message "a" is lost under the cursor


def test_unread_counts_are_exact_under_concurrent_sends_and_reads():
    talk = conversation()
    seen: set[int] = set()

    def sender(n: int):
        def unit():
            for k in range(5):
                send(talk, talk.guest, f"{n}.{k}")

        return unit

    def reader():
        for _ in range(15):
            page = timeline(conversation=talk, size=100)
            seen.update(message.pk for message in page)
            if page:
                messages.conversation_read_mark(user=talk.host, conversation_id=talk.pk, message_id=page[0].pk)

    outcomes = run_at_once([sender(n) for n in range(8)] + [reader])

    assert not outcomes.raised, outcomes.raised
    assert Message.objects.filter(conversation=talk).count() == 40
    [row] = [row for row in inbox(user=talk.host) if row.pk == talk.pk]
    assert row.unread_count == unread_total(user=talk.host) == _unseen(talk, seen)
    talk.refresh_from_db()
    assert talk.last_message_id == Message.objects.filter(conversation=talk).latest("id").pk


def test_concurrent_reads_leave_the_cursor_at_the_furthest_one():
    talk = conversation()
    sent = [send(talk, talk.guest, f"m{n}") for n in range(30)]
    ids = [message.pk for message in sent]
    random.shuffle(ids)

    outcomes = run_at_once(
        [
            lambda message_id=message_id: messages.conversation_read_mark(
                user=talk.host, conversation_id=talk.pk, message_id=message_id
            )
            for message_id in ids
        ]
    )

    assert not outcomes.raised
    talk.refresh_from_db()
    assert talk.host_last_read_id == sent[-1].pk
    assert unread_total(user=talk.host) == 0


@pytest.mark.parametrize("guarded", [True, False], ids=["guarded", "control-unguarded"])
def test_a_late_read_never_moves_the_cursor_back(guarded, monkeypatch):
    talk = conversation()
    older, newer = send(talk, talk.guest, "uno"), send(talk, talk.guest, "dos")
    if not guarded:
        without_the_forward_only_guard(monkeypatch)

    for message in (newer, older):  # the device's acknowledgements arrive out of order
        messages.conversation_read_mark(user=talk.host, conversation_id=talk.pk, message_id=message.pk)
        messages.conversation_delivered_mark(user=talk.host, conversation_id=talk.pk, message_id=message.pk)

    talk.refresh_from_db()
    if guarded:
        assert (talk.host_last_read_id, talk.host_last_delivered_id) == (newer.pk, newer.pk)
        assert unread_total(user=talk.host) == 0
    else:
        assert (talk.host_last_read_id, talk.host_last_delivered_id) == (older.pk, older.pk)
        assert unread_total(user=talk.host) == 1
