"""What the realtime side shares between processes: each user's numbered
event log, their live socket connections and the typing throttle.

In Redis when REDIS_URL is set: every web, worker and ASGI process sees the
same sequence numbers, logs and connections. On the embedded default (no
REDIS_URL) they live in this process's memory, which only works while one
process serves both the HTTP requests that publish and the sockets.

Keys (all under CHAT_REDIS_KEY_PREFIX, in REDIS_URL's database):
`seq:<user>` the user's last sequence number (INCR), `log:<user>` a sorted
set of the user's last CHAT_EVENT_LOG_LENGTH frames scored by sequence,
`conn:<user>` a sorted set of live connections scored by their expiry time,
`typing:<user>:<conversation>` a throttle marker."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass
from functools import cache

import redis
from django.conf import settings

# Numbers the event and appends it to the user's capped log in one step, so
# two publishers never share a number and a number is never without its
# frame. The frame is the event's JSON with "seq" put first: the body always
# starts with "{" and is never empty.
_APPEND = """
local seq = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
local frame = '{"seq":' .. seq .. ',' .. string.sub(ARGV[1], 2)
redis.call('ZADD', KEYS[2], seq, frame)
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(ARGV[3]) + 1))
redis.call('EXPIRE', KEYS[2], ARGV[4])
return {seq, frame}
"""


@dataclass(frozen=True)
class Replay:
    """A user's frames after a sequence number, in order."""

    frames: list[str]
    # The user's last sequence number when read.
    last_seq: int
    # False when the log no longer holds every frame asked for (older than
    # the log, or numbering restarted): the client must re-list.
    complete: bool


def _replay(rows: list[tuple[int, str]], *, since: int, until: int | None, last_seq: int) -> Replay:
    upper = last_seq if until is None else min(until, last_seq)
    if since > last_seq:
        # The client saw numbers the store no longer knows (Redis lost them).
        return Replay(frames=[], last_seq=last_seq, complete=False)
    wanted = [(seq, frame) for seq, frame in rows if since < seq <= upper]
    complete = [seq for seq, _ in wanted] == list(range(since + 1, upper + 1))
    return Replay(frames=[frame for _, frame in wanted], last_seq=last_seq, complete=complete)


class RedisStore:
    def __init__(self, url: str) -> None:
        self.redis = redis.Redis.from_url(
            url,
            socket_connect_timeout=settings.CHAT_REDIS_TIMEOUT_SECONDS,
            socket_timeout=settings.CHAT_REDIS_TIMEOUT_SECONDS,
            decode_responses=True,
        )
        self.prefix = settings.CHAT_REDIS_KEY_PREFIX
        self._append = self.redis.register_script(_APPEND)

    def events_append(self, bodies: list[tuple[int, str]]) -> list[tuple[int, int, str]]:
        """Number and log each (user id, event JSON); (user id, seq, frame) each."""
        pipe = self.redis.pipeline(transaction=False)
        for user_id, body in bodies:
            self._append(
                keys=[f"{self.prefix}seq:{user_id}", f"{self.prefix}log:{user_id}"],
                args=[
                    body,
                    settings.CHAT_SEQUENCE_TTL_SECONDS,
                    settings.CHAT_EVENT_LOG_LENGTH,
                    settings.CHAT_EVENT_LOG_SECONDS,
                ],
                client=pipe,
            )
        return [(user_id, int(seq), frame) for (user_id, _), (seq, frame) in zip(bodies, pipe.execute(), strict=True)]

    def events_since(self, user_id: int, since: int, until: int | None = None) -> Replay:
        pipe = self.redis.pipeline(transaction=True)
        pipe.zrangebyscore(
            f"{self.prefix}log:{user_id}", f"({since}", "+inf" if until is None else until, withscores=True
        )
        pipe.get(f"{self.prefix}seq:{user_id}")
        rows, last_seq = pipe.execute()
        return _replay(
            [(int(score), frame) for frame, score in rows], since=since, until=until, last_seq=int(last_seq or 0)
        )

    def sequence_last(self, user_id: int) -> int:
        return int(self.redis.get(f"{self.prefix}seq:{user_id}") or 0)

    def connection_touch(self, user_id: int, connection_id: str) -> int:
        """Mark the connection live for CHAT_CONNECTION_TTL_SECONDS more; the
        number of the user's other live connections."""
        key = f"{self.prefix}conn:{user_id}"
        now = time.time()
        pipe = self.redis.pipeline(transaction=True)
        pipe.zremrangebyscore(key, "-inf", now)
        pipe.zadd(key, {connection_id: now + settings.CHAT_CONNECTION_TTL_SECONDS})
        pipe.zcard(key)
        pipe.expire(key, math.ceil(settings.CHAT_CONNECTION_TTL_SECONDS))
        return pipe.execute()[2] - 1

    def connection_renew(self, user_id: int, connection_id: str) -> int:
        """connection_touch for a socket already counted, in one round trip
        with the user's last sequence number, which it returns."""
        key = f"{self.prefix}conn:{user_id}"
        pipe = self.redis.pipeline(transaction=False)
        pipe.zadd(key, {connection_id: time.time() + settings.CHAT_CONNECTION_TTL_SECONDS})
        pipe.expire(key, math.ceil(settings.CHAT_CONNECTION_TTL_SECONDS))
        pipe.get(f"{self.prefix}seq:{user_id}")
        return int(pipe.execute()[2] or 0)

    def connection_drop(self, user_id: int, connection_id: str) -> int:
        """Forget the connection; the number of the user's live connections left."""
        key = f"{self.prefix}conn:{user_id}"
        pipe = self.redis.pipeline(transaction=True)
        pipe.zrem(key, connection_id)
        pipe.zcount(key, f"({time.time()}", "+inf")
        return pipe.execute()[1]

    def connections_live(self, user_id: int) -> int:
        return self.redis.zcount(f"{self.prefix}conn:{user_id}", f"({time.time()}", "+inf")

    def typing_claim(self, user_id: int, conversation_id: int) -> bool:
        """True at most once per CHAT_TYPING_THROTTLE_SECONDS per user and conversation."""
        return bool(
            self.redis.set(
                f"{self.prefix}typing:{user_id}:{conversation_id}",
                1,
                nx=True,
                ex=settings.CHAT_TYPING_THROTTLE_SECONDS,
            )
        )


class MemoryStore:
    """The same, in this process only (embedded default, no Redis)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.sequences: dict[int, int] = {}
        self.logs: dict[int, deque[tuple[int, str]]] = {}
        self.connections: dict[int, dict[str, float]] = {}
        self.typing: dict[tuple[int, int], float] = {}

    def events_append(self, bodies: list[tuple[int, str]]) -> list[tuple[int, int, str]]:
        appended = []
        with self.lock:
            for user_id, body in bodies:
                seq = self.sequences[user_id] = self.sequences.get(user_id, 0) + 1
                frame = f'{{"seq":{seq},{body[1:]}'
                log = self.logs.setdefault(user_id, deque(maxlen=settings.CHAT_EVENT_LOG_LENGTH))
                log.append((seq, frame))
                appended.append((user_id, seq, frame))
        return appended

    def events_since(self, user_id: int, since: int, until: int | None = None) -> Replay:
        with self.lock:
            rows = list(self.logs.get(user_id, ()))
            last_seq = self.sequences.get(user_id, 0)
        return _replay(rows, since=since, until=until, last_seq=last_seq)

    def sequence_last(self, user_id: int) -> int:
        with self.lock:
            return self.sequences.get(user_id, 0)

    def connection_touch(self, user_id: int, connection_id: str) -> int:
        now = time.time()
        with self.lock:
            live = self.connections[user_id] = self._live(user_id, now)
            live[connection_id] = now + settings.CHAT_CONNECTION_TTL_SECONDS
            return len(live) - 1

    def connection_renew(self, user_id: int, connection_id: str) -> int:
        self.connection_touch(user_id, connection_id)
        return self.sequence_last(user_id)

    def connection_drop(self, user_id: int, connection_id: str) -> int:
        with self.lock:
            live = self._live(user_id, time.time())
            live.pop(connection_id, None)
            return len(live)

    def connections_live(self, user_id: int) -> int:
        with self.lock:
            return len(self._live(user_id, time.time()))

    def typing_claim(self, user_id: int, conversation_id: int) -> bool:
        now = time.monotonic()
        with self.lock:
            if self.typing.get((user_id, conversation_id), 0) > now:
                return False
            if len(self.typing) > 10_000:
                self.typing = {key: until for key, until in self.typing.items() if until > now}
            self.typing[(user_id, conversation_id)] = now + settings.CHAT_TYPING_THROTTLE_SECONDS
            return True

    def _live(self, user_id: int, now: float) -> dict[str, float]:
        live = {key: expiry for key, expiry in self.connections.pop(user_id, {}).items() if expiry > now}
        if live:
            self.connections[user_id] = live
        return live


@cache
def _store_for(redis_url: str) -> RedisStore | MemoryStore:
    return RedisStore(redis_url) if redis_url else MemoryStore()


def realtime_store() -> RedisStore | MemoryStore:
    return _store_for(settings.REDIS_URL)
