from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.login_throttle import login_throttle_check
from core.api.schema import ErrorSerializer
from core.api.serializers.auth import ApiTokenSerializer, TokenRequestSerializer, TokenSerializer, login_username
from core.models import ApiToken
from core.services.api_tokens import api_token_create, api_token_revoke
from core.services.login_throttle import login_success_record


class ObtainTokenView(APIView):
    """Exchange a username (or e-mail) and password for a new API token."""

    permission_classes = [permissions.AllowAny]
    authentication_classes = []

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: TokenSerializer, 429: ErrorSerializer},
        summary="Obtener token",
    )
    def post(self, request):
        # Checked before the password: once locked out, the right one is refused too.
        login = request.data.get("username") if isinstance(request.data, dict) else None
        login_throttle_check(request, username=login_username(login) if isinstance(login, str) else "")
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        login_success_record(username=user.username)
        name = serializer.validated_data.get("name") or request.headers.get("User-Agent", "")
        token, key = api_token_create(user=user, name=name)
        return Response(TokenSerializer({"token": key, "id": token.id, "expires_at": token.expires_at}).data)


class ApiTokenViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The caller's own API tokens: list, rename, revoke (DELETE; the current
    one too, to log out). Another user's token is a 404 on every verb."""

    serializer_class = ApiTokenSerializer
    permission_classes = [permissions.IsAuthenticated]
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return ApiToken.objects.none()
        # One per login until it expires: paged like every list, newest first.
        return ApiToken.objects.filter(user=self.request.user).order_by("-created_at", "-id")

    def destroy(self, request, *args, **kwargs):
        if not api_token_revoke(user=request.user, token_id=int(kwargs["pk"])):
            raise Http404
        return Response(status=204)
