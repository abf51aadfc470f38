"""OpenAPI generation: every operation documents the errors it can answer,
and an answer's model rows list all their keys as required."""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import force_instance
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="Qué está mal, en el idioma de la petición.")
    code = serializers.CharField(help_text="Código estable para programas (invalid, not_found, ...).")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Mensajes por campo, cuando hay campos inválidos.",
    )


class AutoSchema(SpectacularAutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            responses.setdefault(code, self._get_response_for_code(ErrorSerializer, code, direction=direction))
        return responses

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        # A model serializer renders every field of every row, so in an answer
        # no key is optional, whatever the field's `required` says about input.
        if direction == "response" and isinstance(force_instance(serializer), serializers.ModelSerializer):
            schema["required"] = sorted(schema["properties"])
        return schema

    def _error_codes(self) -> list[str]:
        codes = ["400"]
        if self.method not in ("GET", "HEAD"):
            codes += ["401", "403"]
        if "{" in self.path:
            codes.append("404")
        if self.method in ("PUT", "PATCH", "DELETE", "POST"):
            codes.append("409")
        # Any operation, while the database refuses connections (Retry-After).
        codes.append("503")
        return codes
