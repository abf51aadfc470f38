from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from core.services.api_tokens import api_token_authenticate


class ApiTokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <key>` as before, against core.models.ApiToken:
    tokens expire and slide with use. request.auth is the ApiToken."""

    def authenticate_credentials(self, key):
        token = api_token_authenticate(key=key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Token no válido o vencido."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Usuario inactivo o eliminado."))
        return (token.user, token)
