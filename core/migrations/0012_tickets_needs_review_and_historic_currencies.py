from django.db import migrations, models

# Retired ISO 4217 currencies that tickets staff import still print:
# (code, numeric code, Spanish name, English name), two minor units.
HISTORIC_CURRENCIES = [
    ("VEF", "937", "Bolívar venezolano (2008–2018)", "Venezuelan Bolívar (2008–2018)"),
    ("VEB", "862", "Bolívar venezolano (1871–2008)", "Venezuelan Bolívar (1871–2008)"),
]


def historic_currencies_add(apps, schema_editor):
    """Brings a loaded catalog up to date (an empty one gets them from
    load_catalogs); a VEF staff added by hand is marked historic."""
    Currency = apps.get_model("core", "Currency")
    catalog_loaded = Currency.objects.exists()
    for code, numeric_code, name_es, name_en in HISTORIC_CURRENCIES:
        if Currency.objects.filter(code=code).update(historic=True) or not catalog_loaded:
            continue
        Currency.objects.create(
            code=code,
            numeric_code=numeric_code,
            name_es=name_es,
            name_en=name_en,
            minor_units=2,
            active=True,
            historic=True,
        )


def needs_review_to_error(apps, schema_editor):
    """The status does not exist before this migration: such a ticket becomes
    a failed import staff can retry."""
    ImportedTicket = apps.get_model("core", "ImportedTicket")
    ImportedTicket.objects.filter(status="needs_review").update(
        status="error", error_message="Lectura parcial: faltan datos del boleto."
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0011_api_tokens"),
    ]

    operations = [
        migrations.AlterField(
            model_name="importedticket",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Pendiente"),
                    ("processing", "Procesando"),
                    ("parsed", "Procesado"),
                    ("needs_review", "Por revisar"),
                    ("error", "Error"),
                ],
                default="pending",
                max_length=12,
                verbose_name="estado",
            ),
        ),
        migrations.AddField(
            model_name="importedticket",
            name="missing_fields",
            field=models.JSONField(blank=True, default=list, verbose_name="campos faltantes"),
        ),
        migrations.RunPython(migrations.RunPython.noop, needs_review_to_error),
        migrations.AddField(
            model_name="currency",
            name="historic",
            field=models.BooleanField(default=False, verbose_name="histórica"),
        ),
        # Backwards VEF and VEB stay, as ordinary currencies: sales and
        # entries may use them, and the forward step finds them again.
        migrations.RunPython(historic_currencies_add, migrations.RunPython.noop),
    ]
