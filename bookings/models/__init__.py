from bookings.models.bookings import Booking, BookingPayment, ProviderEvent
from bookings.models.calendar import NightPrice, OccupiedRange
from bookings.models.listings import MAX_NIGHTS, Amenity, CancellationPolicy, Listing, PropertyType
from bookings.models.photos import ListingPhoto

__all__ = [
    "MAX_NIGHTS",
    "Amenity",
    "Booking",
    "BookingPayment",
    "CancellationPolicy",
    "Listing",
    "ListingPhoto",
    "NightPrice",
    "OccupiedRange",
    "PropertyType",
    "ProviderEvent",
]
