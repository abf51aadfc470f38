from pathlib import Path

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import TemplateView
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from core.api.login_throttle import login_throttled
from core.api.views import health
from core.api.views.metrics import metrics

urlpatterns = [
    # A page that says where things are, in the visitor's language.
    path("", TemplateView.as_view(template_name="core/landing.html"), name="landing"),
    # The admin's login, throttled like the token endpoint (core.services.login_throttle).
    path("admin/login/", login_throttled(admin.site.login), name="admin-login"),
    path("admin/", admin.site.urls),
    # The busiest routes first: a path is matched against each pattern in
    # turn, and the agency's (core) are the most numerous. The prefixes of
    # the three do not overlap.
    path("api/", include("bookings.api.urls")),
    path("api/", include("chat.api.urls")),
    path("api/", include("core.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("health/live", health.live, name="health-live"),
    path("health/ready", health.ready, name="health-ready"),
    path("metrics", metrics, name="metrics"),
]

if settings.DEBUG:
    # Development only: listing photos are public images (production serves
    # them from the storage: S3 or the web server). Nothing else under
    # MEDIA_ROOT is — invoices are private.
    urlpatterns.append(
        re_path(
            rf"^{settings.MEDIA_URL.lstrip('/')}listings/(?P<path>.*)$",
            serve,
            {"document_root": Path(settings.MEDIA_ROOT) / "listings"},
        )
    )

handler404 = "core.api.views.errors.not_found"
handler500 = "core.api.views.errors.server_error"
