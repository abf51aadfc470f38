from django.urls import path
from rest_framework.routers import SimpleRouter

from bookings.api.booking_views import BookingViewSet, PaymentWebhookView
from bookings.api.views import AmenityViewSet, BecomeHostView, ListingViewSet

router = SimpleRouter()
router.register("listings", ListingViewSet, basename="listing")
router.register("amenities", AmenityViewSet, basename="amenity")
router.register("bookings", BookingViewSet, basename="booking")

urlpatterns = [
    path("me/become-host/", BecomeHostView.as_view(), name="become-host"),
    path("payments/webhook/<slug:provider>/", PaymentWebhookView.as_view(), name="payment-webhook"),
    *router.urls,
]
