"""The project's URLs plus the bare view that gives the stack's ceiling."""

from django.urls import include, path

from bench.views import bare, bare_large
from project.urls import handler404, handler500

urlpatterns = [
    path("bench/bare/", bare, name="bench-bare"),
    path("bench/bare-large/", bare_large, name="bench-bare-large"),
    path("", include("project.urls")),
]

__all__ = ["handler404", "handler500", "urlpatterns"]
