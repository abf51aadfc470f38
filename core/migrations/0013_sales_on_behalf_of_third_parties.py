from decimal import Decimal

from django.db import migrations, models
from django.db.models import Sum

MONEY = {"decimal_places": 4, "default": Decimal("0"), "max_digits": 17}
SPLIT = [
    ("taxable_total", "operaciones gravadas"),
    ("exempt_total", "operaciones exoneradas o inafectas"),
    ("third_party_total", "cobros por cuenta de terceros"),
]
THIRD_PARTY_PAYABLE = ("4696", "Cobros por cuenta de proveedores (aerolíneas – BSP)", "liability", "469")


def books_split(apps, schema_editor):
    """Air tickets are sold on the airline's behalf from now on. Sales and
    invoices made before were booked as the agency's own: their split says
    so (taxed or not by their tax), and their entries stay as posted."""
    Product = apps.get_model("core", "Product")
    Sale = apps.get_model("core", "Sale")
    Invoice = apps.get_model("core", "Invoice")
    Account = apps.get_model("core", "Account")
    Product.objects.filter(kind="air_ticket").update(sold_on="third_party")
    for model, items in ((Sale, "items"), (Invoice, "lines")):
        for row in model.objects.all().iterator():
            lines = getattr(row, items)
            taxable = lines.filter(tax_amount__gt=0).aggregate(total=Sum("subtotal"))["total"] or Decimal(0)
            exempt = lines.filter(tax_amount=0).aggregate(total=Sum("subtotal"))["total"] or Decimal(0)
            model.objects.filter(pk=row.pk).update(taxable_total=taxable, exempt_total=exempt)
    code, name, account_type, parent_code = THIRD_PARTY_PAYABLE
    parent = Account.objects.filter(code=parent_code).first()
    if parent is not None:
        Account.objects.get_or_create(code=code, defaults={"name": name, "type": account_type, "parent": parent})


def document_types_shortened(apps, schema_editor):
    """Back to twelve characters: longer names are cut to fit."""
    Invoice = apps.get_model("core", "Invoice")
    for invoice in Invoice.objects.filter(client_document_type__regex=r"^.{13,}$").only("id", "client_document_type"):
        Invoice.objects.filter(pk=invoice.pk).update(client_document_type=invoice.client_document_type[:12])


def third_party_account_remove(apps, schema_editor):
    Account = apps.get_model("core", "Account")
    Account.objects.filter(code=THIRD_PARTY_PAYABLE[0], lines__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0012_tickets_needs_review_and_historic_currencies"),
    ]

    operations = [
        migrations.AddField(
            model_name="product",
            name="sold_on",
            field=models.CharField(
                choices=[("own_account", "Cuenta propia"), ("third_party", "Por cuenta de terceros")],
                default="own_account",
                max_length=12,
                verbose_name="se vende por",
            ),
        ),
        *(
            migrations.AddField(
                model_name=model,
                name="third_party",
                field=models.BooleanField(default=False, verbose_name="por cuenta de terceros"),
            )
            for model in ("saleitem", "invoiceline")
        ),
        *(
            migrations.AddField(
                model_name=model,
                name="taxes",
                field=models.JSONField(blank=True, default=list, verbose_name="impuestos por código"),
            )
            for model in ("saleitem", "invoiceline")
        ),
        *(
            migrations.AddField(model_name=model, name=name, field=models.DecimalField(**MONEY, verbose_name=label))
            for model in ("sale", "invoice")
            for name, label in SPLIT
        ),
        migrations.RunPython(books_split, third_party_account_remove),
        # Invoicing a client whose document type prints longer than 12
        # characters failed on PostgreSQL. (Backwards, the names are cut
        # before the column shrinks.)
        migrations.AlterField(
            model_name="invoice",
            name="client_document_type",
            field=models.CharField(max_length=40, verbose_name="cliente (tipo de documento)"),
        ),
        migrations.RunPython(migrations.RunPython.noop, document_types_shortened),
    ]
