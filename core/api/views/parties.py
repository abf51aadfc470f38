"""Clients, suppliers and products. Staff only."""

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.filters import SearchFilter

from core.api.serializers import parties as serializers
from core.api.views.staff import StaffViewSet
from core.models import Client, Product, Supplier


@extend_schema_view(list=extend_schema(summary="Clientes (búsqueda por nombre o documento)"))
class ClientViewSet(StaffViewSet, viewsets.ModelViewSet):
    queryset = Client.objects.select_related("country").order_by("name", "id")
    serializer_class = serializers.ClientSerializer
    filter_backends = [filters.DjangoFilterBackend, SearchFilter]
    filterset_fields = ["kind", "document_type", "preferred_language"]
    search_fields = ["name", "document_number", "email"]


@extend_schema_view(list=extend_schema(summary="Proveedores"))
class SupplierViewSet(StaffViewSet, viewsets.ModelViewSet):
    queryset = Supplier.objects.select_related("country", "airline").order_by("name", "id")
    serializer_class = serializers.SupplierSerializer
    filter_backends = [filters.DjangoFilterBackend, SearchFilter]
    filterset_fields = ["kind", "active"]
    search_fields = ["name", "tax_id"]


@extend_schema_view(list=extend_schema(summary="Productos y servicios"))
class ProductViewSet(StaffViewSet, viewsets.ModelViewSet):
    queryset = Product.objects.select_related("supplier").order_by("name", "id")
    serializer_class = serializers.ProductSerializer
    filter_backends = [filters.DjangoFilterBackend, SearchFilter]
    filterset_fields = ["kind", "supplier", "active"]
    search_fields = ["name"]
