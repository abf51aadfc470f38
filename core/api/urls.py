from django.urls import path
from rest_framework.routers import DefaultRouter

from core.api.views import accounting, catalogs, invoicing, parties, sales, tickets
from core.api.views.auth import ApiTokenViewSet, ObtainTokenView
from core.api.views.notifications import NotificationPreferencesView
from core.api.views.webhooks import WebhookDeliveryViewSet, WebhookEndpointViewSet, WebhookEventTypesView

router = DefaultRouter()
router.register("paises", catalogs.CountryViewSet, basename="country")
router.register("monedas", catalogs.CurrencyViewSet, basename="currency")
router.register("ciudades", catalogs.CityViewSet, basename="city")
router.register("aeropuertos", catalogs.AirportViewSet, basename="airport")
router.register("aerolineas", catalogs.AirlineViewSet, basename="airline")
router.register("clientes", parties.ClientViewSet, basename="client")
router.register("proveedores", parties.SupplierViewSet, basename="supplier")
router.register("productos", parties.ProductViewSet, basename="product")
router.register("ventas", sales.SaleViewSet, basename="sale")
router.register("facturas", invoicing.InvoiceViewSet, basename="invoice")
router.register("cuentas-contables", accounting.AccountViewSet, basename="account")
router.register("asientos-contables", accounting.JournalEntryViewSet, basename="journal-entry")
router.register("webhooks", WebhookEndpointViewSet, basename="webhook-endpoint")
router.register("webhook-entregas", WebhookDeliveryViewSet, basename="webhook-delivery")
router.register("boletos-importados", tickets.ImportedTicketViewSet, basename="imported-ticket")
router.register("auth/tokens", ApiTokenViewSet, basename="api-token")

urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="auth-token"),
    path("webhook-eventos/", WebhookEventTypesView.as_view(), name="webhook-event-types"),
    path("notificaciones/preferencias/", NotificationPreferencesView.as_view(), name="notification-preferences"),
    path("reportes/balance-comprobacion/", accounting.TrialBalanceView.as_view(), name="trial-balance"),
    *router.urls,
]
