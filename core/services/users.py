from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
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
    """Create a user; agency staff also get access to the admin. The password
    must pass AUTH_PASSWORD_VALIDATORS (None: no usable password); a
    ValidationError names every field that does not, the API answers it 400."""
    user = User(
        username=username,
        email=email,
        role=role,
        first_name=first_name,
        last_name=last_name,
        is_staff=role == User.Role.STAFF,
    )
    errors = {}
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as error:
        errors = error.message_dict
    if password is not None:
        try:
            # Checked against the user being made: a password like its username or e-mail is refused.
            validate_password(password, user)
        except ValidationError as error:
            errors["password"] = error.messages
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    with transaction.atomic():
        user.save()
    return user
