"""The bookings API: a guest books, pays and cancels; a host sees and
cancels the bookings of their listings. A booking exists only for its guest,
its host and staff — a 404 for everyone else, on every verb. Creating a
booking and paying accept an Idempotency-Key (core.services.idempotency)."""

from django.db import DatabaseError
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings.api import booking_serializers as serializers
from bookings.models import Booking, BookingPayment
from bookings.selectors import bookings as selectors
from bookings.services import bookings, payments
from core.api.parsers import JSONParser
from core.exceptions import Forbidden, InvalidInput
from core.services.idempotency import idempotent_response

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    description="Una repetición con la misma clave (24 h) recibe la primera respuesta.",
)
# Paying answers with the payment: charged, waiting (3-D Secure, or the
# provider's webhook), or declined.
PAY_STATUS = {
    BookingPayment.Status.SUCCEEDED: status.HTTP_201_CREATED,
    BookingPayment.Status.PROCESSING: status.HTTP_202_ACCEPTED,
    BookingPayment.Status.REQUIRES_ACTION: status.HTTP_202_ACCEPTED,
    BookingPayment.Status.FAILED: status.HTTP_402_PAYMENT_REQUIRED,
}
PAY_RESPONSES = {
    201: serializers.BookingPaymentSerializer,
    202: OpenApiResponse(serializers.BookingPaymentSerializer, description="3-D Secure (action_url) o en proceso"),
    402: OpenApiResponse(serializers.BookingPaymentSerializer, description="Rechazado (failure_reason)"),
}


@extend_schema_view(
    list=extend_schema(
        summary="Mis viajes (role=guest) o las reservas de mis alojamientos (role=host), recientes primero",
        parameters=[
            OpenApiParameter("role", OpenApiTypes.STR, enum=["guest", "host"]),
            OpenApiParameter("status", OpenApiTypes.STR, description="Uno o varios, separados por comas."),
            OpenApiParameter("listing", OpenApiTypes.INT),
            OpenApiParameter("from", OpenApiTypes.DATE, description="Estadías con alguna noche desde esta fecha."),
            OpenApiParameter("to", OpenApiTypes.DATE, description="…y antes de esta."),
        ],
    ),
    retrieve=extend_schema(summary="Una reserva (del huésped, del anfitrión o del personal)"),
)
class BookingViewSet(viewsets.GenericViewSet):
    # Read through bookings.selectors; the queryset names the model for the schema.
    queryset = Booking.objects.none()
    serializer_class = serializers.BookingSerializer
    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [JSONParser, FormParser]
    lookup_value_regex = "[0-9]+"

    def list(self, request):
        query = serializers.BookingListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        page = self.paginate_queryset(selectors.bookings_of(user=request.user, **query.validated_data))
        return self.get_paginated_response(serializers.BookingSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(self._shown(int(pk)))

    @extend_schema(
        summary="Reservar: las noches quedan tomadas hasta el plazo de pago",
        request=serializers.BookingCreateSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: serializers.BookingSerializer},
    )
    def create(self, request):
        return idempotent_response(request, lambda: self._create(request))

    def _create(self, request) -> Response:
        data = _valid(serializers.BookingCreateSerializer, request)
        booking = bookings.booking_create(guest=request.user, listing_id=data.pop("listing"), **data)
        # Created with its listing, host, guest and currency in hand: nothing to read again.
        return Response(serializers.BookingSerializer(booking).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Qué se devolvería al cancelar ahora", responses=serializers.CancellationQuoteSerializer)
    @action(detail=True, methods=["get"], url_path="cancellation-quote")
    def cancellation_quote(self, request, pk=None):
        booking = selectors.access_booking(user=request.user, booking_id=int(pk))
        quote = bookings.cancellation_quote(booking=booking, by=request.user)
        return Response(serializers.CancellationQuoteSerializer(quote, context={"booking": booking}).data)

    @extend_schema(summary="Cancelar (el huésped o el anfitrión); el reembolso sigue a la política", request=None)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        booking = selectors.access_booking(user=request.user, booking_id=int(pk))
        bookings.booking_cancel(booking_id=booking.pk, by=request.user)
        return Response(self._shown(booking.pk))

    @extend_schema(
        summary="Pagar la reserva con un medio de pago",
        request=serializers.PayInputSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses=PAY_RESPONSES,
    )
    @action(detail=True, methods=["post"])
    def pay(self, request, pk=None):
        booking = self._guests_own(request, int(pk))
        return idempotent_response(request, lambda: self._pay(request, booking))

    def _pay(self, request, booking: Booking) -> Response:
        data = _valid(serializers.PayInputSerializer, request)
        payment = payments.booking_pay(booking_id=booking.pk, token=data["payment_method"])
        return _payment_response(payment)

    @extend_schema(
        summary="Pagos y reembolsos de la reserva", responses=serializers.BookingPaymentSerializer(many=True)
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def payments(self, request, pk=None):
        booking = selectors.access_booking(user=request.user, booking_id=int(pk))
        return Response(serializers.BookingPaymentSerializer(selectors.booking_payments(booking), many=True).data)

    @extend_schema(summary="Terminar un pago tras la autenticación 3-D Secure", request=None, responses=PAY_RESPONSES)
    @action(detail=True, methods=["post"], url_path=r"payments/(?P<payment_id>[0-9]+)/confirm")
    def payment_confirm(self, request, pk=None, payment_id=None):
        self._guests_own(request, int(pk))
        payment = selectors.access_booking_payment(user=request.user, booking_id=int(pk), payment_id=int(payment_id))
        return _payment_response(payments.booking_pay_confirm(payment=payment))

    def _shown(self, booking_id: int) -> dict:
        return serializers.BookingSerializer(
            selectors.access_booking(user=self.request.user, booking_id=booking_id)
        ).data

    def _guests_own(self, request, booking_id: int) -> Booking:
        booking = selectors.access_booking(user=request.user, booking_id=booking_id)
        if booking.guest_id != request.user.pk:
            raise Forbidden(_("Solo el huésped paga su reserva."))
        return booking


class PaymentWebhookView(APIView):
    """The payment provider's events: signed, not authenticated."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    # The signature is over the raw body: nothing parses it before the provider does.
    parser_classes = []

    @extend_schema(
        summary="Eventos del proveedor de pagos (firmados)",
        request={"application/json": OpenApiTypes.OBJECT},
        responses={200: serializers.WebhookOutcomeSerializer},
    )
    def post(self, request, provider: str):
        try:
            result = payments.payment_webhook_apply(
                provider_name=provider, body=request.body, signature=request.headers.get("Stripe-Signature", "")
            )
        except DatabaseError:
            # Nothing was written (one transaction): the provider sends it again.
            return Response(
                {"detail": _("No se pudo procesar el evento; reintente."), "code": "try_again"},
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
            )
        return Response({"result": result})


def _payment_response(payment: BookingPayment) -> Response:
    return Response(serializers.BookingPaymentSerializer(payment).data, status=PAY_STATUS[payment.status])


def _valid(serializer_class, request) -> dict:
    if not hasattr(request.data, "keys"):
        raise InvalidInput(_("Se esperaba un objeto JSON."), code="parse_error")
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
