from django.contrib.auth import authenticate
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.models import ApiToken, User


def login_username(login: str) -> str:
    """The username of the account a login (username or e-mail) names, or
    the login itself when none does; failed logins are counted under it."""
    login = login.strip()
    account = User.objects.filter(Q(username=login) | Q(email__iexact=login)).only("username").first()
    return account.username if account else login


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(help_text="Nombre de usuario o correo electrónico.")
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False, write_only=True)
    name = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="Para reconocerlo en la lista de tokens."
    )

    def validate(self, attrs):
        user = authenticate(
            request=self.context.get("request"),
            username=login_username(attrs["username"]),
            password=attrs["password"],
        )
        if user is None:
            raise serializers.ValidationError(_("Usuario o contraseña incorrectos."), code="authorization")
        attrs["user"] = user
        return attrs


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="La clave; se muestra solo esta vez.")
    id = serializers.IntegerField(help_text="Su id en /api/auth/tokens/.")
    expires_at = serializers.DateTimeField(help_text="Vence; cada uso lo extiende.")


class ApiTokenSerializer(serializers.ModelSerializer):
    current = serializers.SerializerMethodField(help_text="Es el token de esta petición.")

    class Meta:
        model = ApiToken
        fields = ["id", "prefix", "name", "created_at", "last_used_at", "expires_at", "current"]
        read_only_fields = ["id", "prefix", "created_at", "last_used_at", "expires_at", "current"]

    def get_current(self, token) -> bool:
        return token == self.context["request"].auth
