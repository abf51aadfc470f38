"""Outgoing webhooks for their owners: endpoints with their subscriptions,
secret rotation, deliveries and replays. Every route is scoped to the
caller; someone else's endpoint or delivery is a 404."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.serializers import webhooks as serializers
from core.exceptions import InvalidInput
from core.models import WebhookDelivery, WebhookEndpoint
from core.selectors import webhooks as selectors
from core.services import webhooks as services
from core.webhook_event_types import EVENT_TYPES


class WebhookEndpointViewSet(viewsets.GenericViewSet):
    serializer_class = serializers.WebhookEndpointSerializer
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return WebhookEndpoint.objects.none()
        return selectors.webhook_endpoints_of(owner=self.request.user)

    def _endpoint(self, pk):
        return selectors.access_webhook_endpoint(user=self.request.user, endpoint_id=int(pk))

    def _shown(self, endpoint_id: int, serializer_class=serializers.WebhookEndpointSerializer) -> dict:
        endpoint = selectors.access_webhook_endpoint(user=self.request.user, endpoint_id=endpoint_id)
        return serializer_class(endpoint).data

    @extend_schema(summary="Mis endpoints de webhook")
    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(serializers.WebhookEndpointSerializer(page, many=True).data)

    @extend_schema(summary="Un endpoint de webhook")
    def retrieve(self, request, pk=None):
        return Response(serializers.WebhookEndpointSerializer(self._endpoint(pk)).data)

    @extend_schema(
        summary="Registrar un endpoint (la respuesta trae el secreto)",
        request=serializers.WebhookEndpointInputSerializer,
        responses={201: serializers.WebhookEndpointWithSecretSerializer},
    )
    def create(self, request):
        data = _valid(serializers.WebhookEndpointInputSerializer, request)
        endpoint = services.webhook_endpoint_create(
            owner=request.user,
            url=data["url"],
            event_types=data["event_types"],
            description=data.get("description", ""),
        )
        if data.get("active") is False:
            services.webhook_endpoint_update(endpoint=endpoint, active=False)
        return Response(
            self._shown(endpoint.pk, serializers.WebhookEndpointWithSecretSerializer), status=status.HTTP_201_CREATED
        )

    @extend_schema(summary="Cambiar un endpoint", request=serializers.WebhookEndpointInputSerializer)
    def update(self, request, pk=None):
        return self._update(request, pk, partial=False)

    @extend_schema(summary="Cambiar parte de un endpoint", request=serializers.WebhookEndpointInputSerializer)
    def partial_update(self, request, pk=None):
        return self._update(request, pk, partial=True)

    def _update(self, request, pk, *, partial: bool):
        endpoint = self._endpoint(pk)
        data = _valid(serializers.WebhookEndpointInputSerializer, request, partial=partial)
        services.webhook_endpoint_update(
            endpoint=endpoint,
            url=data.get("url"),
            description=data.get("description"),
            active=data.get("active"),
            event_types=data.get("event_types"),
        )
        return Response(self._shown(endpoint.pk))

    @extend_schema(summary="Eliminar un endpoint")
    def destroy(self, request, pk=None):
        services.webhook_endpoint_delete(endpoint=self._endpoint(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Rotar el secreto (el anterior firma también durante 24 h)",
        request=None,
        responses=serializers.WebhookEndpointWithSecretSerializer,
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        endpoint = services.webhook_endpoint_rotate_secret(endpoint=self._endpoint(pk))
        return Response(self._shown(endpoint.pk, serializers.WebhookEndpointWithSecretSerializer))

    @extend_schema(
        summary="Entregas del endpoint (?status=)", responses=serializers.WebhookDeliverySerializer(many=True)
    )
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        status_filter = request.query_params.get("status") or None
        if status_filter and status_filter not in WebhookDelivery.Status.values:
            raise InvalidInput(_("Estado desconocido: %(status)s.") % {"status": status_filter}, field="status")
        deliveries = selectors.webhook_deliveries_of(endpoint=self._endpoint(pk), status=status_filter)
        page = self.paginate_queryset(deliveries)
        return self.get_paginated_response(serializers.WebhookDeliverySerializer(page, many=True).data)

    @extend_schema(
        summary="Reenviar todo lo fallido desde una fecha",
        request=serializers.WebhookReplaySerializer,
        responses={202: serializers.WebhookReplayResultSerializer},
    )
    @action(detail=True, methods=["post"])
    def replay(self, request, pk=None):
        # Whose endpoint it is comes first: someone else's is a 404 whatever
        # the body, so a 400 does not tell that it exists.
        endpoint = self._endpoint(pk)
        data = _valid(serializers.WebhookReplaySerializer, request)
        count = services.webhook_deliveries_replay_failed(endpoint=endpoint, since=data["since"])
        return Response({"replayed": count}, status=status.HTTP_202_ACCEPTED)


class WebhookDeliveryViewSet(viewsets.GenericViewSet):
    serializer_class = serializers.WebhookDeliverySerializer
    lookup_value_regex = "[0-9]+"

    @extend_schema(summary="Una entrega de webhook")
    def retrieve(self, request, pk=None):
        delivery = selectors.access_webhook_delivery(user=request.user, delivery_id=int(pk))
        return Response(serializers.WebhookDeliverySerializer(delivery).data)

    @extend_schema(
        summary="Reenviar una entrega (mismo webhook-id)",
        request=None,
        responses={202: serializers.WebhookDeliverySerializer},
    )
    @action(detail=True, methods=["post"])
    def replay(self, request, pk=None):
        delivery = selectors.access_webhook_delivery(user=request.user, delivery_id=int(pk))
        delivery = services.webhook_delivery_replay(delivery=delivery)
        return Response(serializers.WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


class WebhookEventTypesView(APIView):
    @extend_schema(
        summary="Tipos de evento a los que se puede suscribir", responses=serializers.EventTypeSerializer(many=True)
    )
    def get(self, request):
        return Response(
            [{"event_type": name, "description": str(event.description)} for name, event in sorted(EVENT_TYPES.items())]
        )


def _valid(serializer_class, request, partial: bool = False) -> dict:
    serializer = serializer_class(data=request.data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
