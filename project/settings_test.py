"""The settings the test suite runs with: the project's own, with a
fictitious agency and the fake payment provider (DEBUG is off, as in
production, so they must be given),
plus a test-only app that extends the platform the way bookings and chat do
(core/tests/platform_probe, core/tests/test_registrations.py)."""

import os

for _name, _value in {
    "AGENCY_NAME": "Viajes de Prueba S.A.C.",
    "AGENCY_TAX_ID": "20100000001",
    "AGENCY_ADDRESS": "Calle de las Pruebas 123, Lima",
    "AGENCY_EMAIL": "facturacion@viajes-de-prueba.example",
    # Payments without a network, signed with a secret only tests know.
    "PAYMENT_PROVIDER": "fake",
    "PAYMENT_WEBHOOK_SECRET": "whsec_tests_only",
}.items():
    os.environ.setdefault(_name, _value)

from project.settings import *  # noqa: E402, F403
from project.settings import INSTALLED_APPS  # noqa: E402

INSTALLED_APPS = [*INSTALLED_APPS, "core.tests.platform_probe"]
