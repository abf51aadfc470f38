"""What the rentals app brings to the platform: its cache namespaces, cached
routes and their Cache-Control, and its demo data (core finds this module
at start-up)."""

from bookings.api.search import SEARCH_QUERY_PARAMETERS, request_search_scopes
from bookings.cache_scopes import AVAILABILITY_NAMESPACE, SEARCH_NAMESPACE
from bookings.services.demo_data import rentals_demo_create
from core.api.caching import cache_control_register, cached_route_register
from core.cache import cache_namespace_register
from core.services.demo_data import demo_data_register

# Searches are answered from the cache for 5 minutes, less when a listing
# they could contain changes (bookings.cache_scopes).
cache_namespace_register(SEARCH_NAMESPACE, timeout=5 * 60)
# A listing's calendar by month, until the listing, a block, a price or a booking changes it.
cache_namespace_register(AVAILABILITY_NAMESPACE, timeout=60 * 60)
cache_namespace_register("amenities", timeout=60 * 60)
cached_route_register(
    "listings/search",
    namespace=SEARCH_NAMESPACE,
    params=SEARCH_QUERY_PARAMETERS,
    scopes=request_search_scopes,
    refuse_unknown=True,
)
cached_route_register("amenities", namespace="amenities")
cache_control_register("/api/amenities/", "public, max-age=3600")
# Public reads that change as soon as someone books: clients revalidate (ETag).
cache_control_register("/api/listings/search/", "public, no-cache")

demo_data_register("rentals", rentals_demo_create)
