"""API tokens: given at login, listed and revoked by their user, ended by a
password change (core.models.User.save), lasting API_TOKEN_LIFETIME_DAYS
from their last use."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from core.models import ApiToken, User

# A token in use is extended at most once a minute: not one write per request.
SLIDE_EVERY = timedelta(seconds=60)


def api_token_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_create(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new token of `user`; returns it and its key, which is never stored
    and cannot be shown again."""
    key = secrets.token_hex(20)
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        digest=api_token_digest(key),
        prefix=key[:8],
        name=name[:200],
        created_at=now,
        expires_at=now + _lifetime(),
    )
    return token, key


def api_token_authenticate(*, key: str) -> ApiToken | None:
    """The live token of this key, with its user, extended by a lifetime
    from now; None if there is none or it expired."""
    token = ApiToken.objects.select_related("user").filter(digest=api_token_digest(key)).first()
    now = timezone.now()
    if token is None or token.expires_at <= now:
        return None
    expires_at = now + _lifetime()
    if expires_at - token.expires_at >= SLIDE_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(expires_at=expires_at, last_used_at=now)
        token.expires_at, token.last_used_at = expires_at, now
    return token


def api_token_revoke(*, user: User, token_id: int) -> bool:
    """Revoke one of `user`'s tokens; False if they have none with that id."""
    deleted, _ = ApiToken.objects.filter(user=user, pk=token_id).delete()
    return bool(deleted)


def api_tokens_expired_delete() -> int:
    """Delete the expired tokens (they no longer authenticate anyway)."""
    deleted, _ = ApiToken.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted


def _lifetime() -> timedelta:
    return timedelta(days=settings.API_TOKEN_LIFETIME_DAYS)
