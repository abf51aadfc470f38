from django.urls import path
from rest_framework.routers import DefaultRouter

from core.api.views import catalogs
from core.api.views.auth import ObtainTokenView

router = DefaultRouter()
router.register("paises", catalogs.CountryViewSet, basename="country")
router.register("monedas", catalogs.CurrencyViewSet, basename="currency")
router.register("ciudades", catalogs.CityViewSet, basename="city")
router.register("aeropuertos", catalogs.AirportViewSet, basename="airport")
router.register("aerolineas", catalogs.AirlineViewSet, basename="airline")

urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="auth-token"),
    *router.urls,
]
