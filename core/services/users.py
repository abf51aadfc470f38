from django.db import transaction

from core.models import User


def user_create(
    *,
    username: str,
    email: str,
    password: str | None,
    role: str = User.Role.GUEST,
    first_name: str = "",
    last_name: str = "",
) -> User:
    """Create a user; agency staff also get access to the admin."""
    with transaction.atomic():
        user = User(
            username=username,
            email=email,
            role=role,
            first_name=first_name,
            last_name=last_name,
            is_staff=role == User.Role.STAFF,
        )
        user.set_password(password)
        user.full_clean()
        user.save()
    return user
