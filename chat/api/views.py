"""The chat API. A conversation exists only for its two participants (and
for staff, who read any for support, logged): a 404 for everyone else, on
every verb. Staff read; only participants write."""

import base64
import binascii
from datetime import datetime

from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings.selectors.listings import access_listing_row
from chat.api import serializers
from chat.models import Conversation, Message
from chat.selectors import conversations as selectors
from chat.services import messages as message_services
from chat.services.conversations import conversation_ensure
from chat.services.presence import online_users, presence_touch
from core.api.parsers import JSONParser
from core.exceptions import InvalidInput, NotFound


def _valid(serializer_class, data) -> dict:
    if not hasattr(data, "keys"):
        raise InvalidInput(_("Se esperaba un objeto JSON."), code="parse_error")
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _cursor_encode(conversation: Conversation) -> str:
    raw = f"{conversation.last_message_at.isoformat()}|{conversation.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _cursor_decode(cursor: str) -> selectors.InboxPosition:
    try:
        moment, _bar, pk = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        position = selectors.InboxPosition(last_message_at=datetime.fromisoformat(moment), id=int(pk))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput(_("El cursor no es válido."), code="invalid_cursor", field="cursor") from None
    if position.last_message_at.tzinfo is None or not 0 < position.id < 2**63:
        raise InvalidInput(_("El cursor no es válido."), code="invalid_cursor", field="cursor")
    return position


def _shown_context(request, conversations: list[Conversation]) -> dict:
    """The people of these conversations (one query) and who of them is online (one cache round trip)."""
    people = selectors.people_of(conversations)
    return {"request": request, "people": people, "online": online_users(sorted(people))}


@extend_schema_view(
    retrieve=extend_schema(summary="Una conversación (sus participantes; el personal la lee para soporte)"),
)
class ConversationViewSet(viewsets.GenericViewSet):
    queryset = Conversation.objects.none()
    serializer_class = serializers.ConversationSerializer
    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [JSONParser, FormParser]
    lookup_value_regex = "[0-9]+"
    pagination_class = None

    @extend_schema(
        summary="Bandeja de entrada: mis conversaciones, la del último mensaje primero",
        parameters=[
            OpenApiParameter("archived", OpenApiTypes.BOOL, description="Las archivadas (por defecto, las demás)."),
            OpenApiParameter("unread_only", OpenApiTypes.BOOL),
            OpenApiParameter("listing", OpenApiTypes.INT),
            OpenApiParameter("cursor", OpenApiTypes.STR, description="El `next` de la página anterior."),
            OpenApiParameter("page_size", OpenApiTypes.INT, description="1 a 100 (50)."),
        ],
        responses=serializers.InboxPageSerializer,
    )
    def list(self, request):
        query = serializers.InboxQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        options = query.validated_data
        after = _cursor_decode(options["cursor"]) if "cursor" in options else None
        size = options["page_size"]
        page = list(
            selectors.inbox(
                user=request.user,
                archived=options["archived"],
                unread_only=options["unread_only"],
                listing_id=options.get("listing"),
                after=after,
                size=size + 1,  # one more: is there a next page?
            )
        )
        more, page = len(page) > size, page[:size]
        context = _shown_context(request, page)
        next_url = None
        if more:
            params = request.query_params.copy()
            params["cursor"] = _cursor_encode(page[-1])
            next_url = request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
        return Response(
            {"next": next_url, "results": serializers.ConversationSerializer(page, many=True, context=context).data}
        )

    @extend_schema(
        summary="Escribir al anfitrión de un alojamiento: abre la conversación o devuelve la que ya existe",
        request=serializers.ConversationOpenSerializer,
        responses={201: serializers.ConversationSerializer, 200: serializers.ConversationSerializer},
    )
    def create(self, request):
        data = _valid(serializers.ConversationOpenSerializer, request.data)
        listing = access_listing_row(user=request.user, listing_id=data["listing"])
        conversation, created = conversation_ensure(guest=request.user, listing=listing)
        return Response(self._shown(conversation.pk), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def retrieve(self, request, pk=None):
        return Response(self._shown(int(pk)))

    def _shown(self, conversation_id: int) -> dict:
        conversation = selectors.conversation_shown(user=self.request.user, conversation_id=conversation_id)
        context = _shown_context(self.request, [conversation])
        return serializers.ConversationSerializer(conversation, context=context).data

    @extend_schema(summary="Archivar (o desarchivar) mi copia", request=serializers.ArchiveSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        data = _valid(serializers.ArchiveSerializer, request.data)
        message_services.conversation_archive_set(user=request.user, conversation_id=int(pk), **data)
        return Response(self._shown(int(pk)))

    @extend_schema(
        summary="Leído hasta el mensaje indicado (el cursor solo avanza)",
        request=serializers.CursorMoveSerializer,
        responses=serializers.CursorSerializer,
    )
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        data = _valid(serializers.CursorMoveSerializer, request.data)
        cursor = message_services.conversation_read_mark(
            user=request.user, conversation_id=int(pk), message_id=data["message"]
        )
        return Response({"conversation": int(pk), "last_read_id": cursor})

    @extend_schema(
        summary="Recibido por mi dispositivo hasta el mensaje indicado (el cursor solo avanza)",
        request=serializers.CursorMoveSerializer,
        responses=serializers.CursorSerializer,
    )
    @action(detail=True, methods=["post"])
    def delivered(self, request, pk=None):
        data = _valid(serializers.CursorMoveSerializer, request.data)
        cursor = message_services.conversation_delivered_mark(
            user=request.user, conversation_id=int(pk), message_id=data["message"]
        )
        return Response({"conversation": int(pk), "last_delivered_id": cursor})


class MessageViewSet(viewsets.GenericViewSet):
    queryset = Message.objects.none()
    serializer_class = serializers.MessageSerializer
    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    lookup_value_regex = "[0-9]+"
    pagination_class = None

    @extend_schema(
        summary="Mensajes de la conversación, los más nuevos primero (before= / after= por id)",
        parameters=[
            OpenApiParameter("before", OpenApiTypes.INT, description="Los anteriores a este id."),
            OpenApiParameter("after", OpenApiTypes.INT, description="Los posteriores a este id."),
            OpenApiParameter("page_size", OpenApiTypes.INT, description="1 a 100 (50)."),
        ],
        responses=serializers.TimelineSerializer,
    )
    def list(self, request, conversation_pk=None):
        query = serializers.TimelineQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        options = query.validated_data
        conversation = selectors.access_conversation(user=request.user, conversation_id=int(conversation_pk))
        size = options["page_size"]
        page = selectors.timeline(
            conversation=conversation, before=options.get("before"), after=options.get("after"), size=size
        )
        context = {"request": request, "conversation": conversation}
        return Response(
            {
                "results": serializers.MessageSerializer(page, many=True, context=context).data,
                "before": page[-1].pk if len(page) == size else None,
                "after": page[0].pk if page else options.get("after"),
            }
        )

    @extend_schema(
        summary="Enviar un mensaje (texto y/o imagen); el mismo client_id repetido devuelve el primero",
        request={
            "application/json": serializers.MessageSendSerializer,
            "multipart/form-data": serializers.MessageSendSerializer,
        },
        responses={201: serializers.MessageSerializer, 200: serializers.MessageSerializer},
    )
    def create(self, request, conversation_pk=None):
        data = _valid(serializers.MessageSendSerializer, request.data)
        message, created = message_services.message_send(
            user=request.user,
            conversation_id=int(conversation_pk),
            body=data["body"],
            client_id=data["client_id"],
            attachment=data.get("attachment"),
        )
        return self._shown(message, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(summary="Borrar un mensaje propio (dentro del plazo): queda como borrado, sin contenido")
    def destroy(self, request, conversation_pk=None, pk=None):
        message = message_services.message_delete(
            user=request.user, conversation_id=int(conversation_pk), message_id=int(pk)
        )
        return self._shown(message, status.HTTP_200_OK)

    def _shown(self, message: Message, answer_status: int) -> Response:
        # The conversation as the service read it: its cursors say the message's status.
        context = {"request": self.request, "conversation": message.conversation}
        return Response(serializers.MessageSerializer(message, context=context).data, status=answer_status)

    @extend_schema(
        summary="La imagen de un mensaje (copia web o miniatura, sin metadatos)",
        parameters=[OpenApiParameter("size", OpenApiTypes.STR, enum=["large", "thumb"])],
        responses={(200, "image/jpeg"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"])
    def attachment(self, request, conversation_pk=None, pk=None):
        conversation = selectors.access_conversation(user=request.user, conversation_id=int(conversation_pk))
        message = Message.objects.filter(pk=int(pk), conversation=conversation, deleted_at__isnull=True).first()
        size = request.query_params.get("size", "large")
        if size not in ("large", "thumb"):
            raise InvalidInput(_("size debe ser large o thumb."), code="invalid_size", field="size")
        file = getattr(message, f"attachment_{size}", None) if message else None
        if not file:
            raise NotFound()
        return FileResponse(file.open("rb"), content_type="image/jpeg")


class UnreadView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(summary="Total de mensajes sin leer (la insignia)", responses=serializers.UnreadSerializer)
    def get(self, request):
        return Response({"unread": selectors.unread_total(user=request.user)})


class PresenceView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="Latido de presencia (cada ~60 s): en línea mientras llegan",
        request=None,
        responses=serializers.PresenceSerializer,
    )
    def post(self, request):
        presence = presence_touch(user=request.user)
        return Response({"online": presence.online, "last_seen_at": presence.last_seen_at})
