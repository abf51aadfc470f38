"""The project's URLs plus the bare view that gives the stack's ceiling and
the straightforward list views (bench.baselines) ours are compared with."""

from django.urls import include, path

from bench.baselines import BaselineImportedTicketList, BaselineJournalEntryList, BaselineSaleList
from bench.views import bare, bare_large
from project.urls import handler404, handler500

urlpatterns = [
    path("bench/bare/", bare, name="bench-bare"),
    path("bench/bare-large/", bare_large, name="bench-bare-large"),
    path("bench/baseline/ventas/", BaselineSaleList.as_view(), name="bench-baseline-sales"),
    path("bench/baseline/asientos-contables/", BaselineJournalEntryList.as_view(), name="bench-baseline-entries"),
    path("bench/baseline/boletos-importados/", BaselineImportedTicketList.as_view(), name="bench-baseline-tickets"),
    path("", include("project.urls")),
]

__all__ = ["handler404", "handler500", "urlpatterns"]
