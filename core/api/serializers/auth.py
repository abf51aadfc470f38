from django.contrib.auth import authenticate
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.models import User


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(help_text="Nombre de usuario o correo electrónico.")
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False, write_only=True)

    def validate(self, attrs):
        login = attrs["username"].strip()
        account = User.objects.filter(Q(username=login) | Q(email__iexact=login)).only("username").first()
        user = authenticate(
            request=self.context.get("request"),
            username=account.username if account else login,
            password=attrs["password"],
        )
        if user is None:
            raise serializers.ValidationError(_("Usuario o contraseña incorrectos."), code="authorization")
        attrs["user"] = user
        return attrs


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
