from django.urls import path
from rest_framework.routers import SimpleRouter

from bookings.api.views import AmenityViewSet, BecomeHostView, ListingViewSet

router = SimpleRouter()
router.register("listings", ListingViewSet, basename="listing")
router.register("amenities", AmenityViewSet, basename="amenity")

urlpatterns = [
    path("me/become-host/", BecomeHostView.as_view(), name="become-host"),
    *router.urls,
]
