"""OpenAPI generation: every operation documents the errors it can answer."""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
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

    def _error_codes(self) -> list[str]:
        codes = ["400"]
        if self.method not in ("GET", "HEAD"):
            codes += ["401", "403"]
        if "{" in self.path:
            codes.append("404")
        if self.method in ("PUT", "PATCH", "DELETE", "POST"):
            codes.append("409")
        return codes
