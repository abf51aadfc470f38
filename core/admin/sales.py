"""The day's sales work in the admin: draft a sale with its items, confirm
it, issue its invoice, take a payment, cancel it. Every change goes through
core.services (the same calls the API makes), so the admin keeps their
rules: items change only on a draft, a confirmed sale's items are locked,
and a refused step shows the service's own message instead of failing."""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from unfold.admin import TabularInline
from unfold.widgets import UnfoldAdminDecimalFieldWidget, UnfoldAdminSelectWidget, UnfoldAdminTextInputWidget

from core.admin.columns import short_datetime, shortened
from core.admin.money import money_display
from core.admin.read_only import BackOfficeAdmin, ReadOnlyInline
from core.exceptions import DomainError
from core.models import Currency, InvoiceSeries, Payment, Sale, SaleItem
from core.services import invoicing, sales


class CurrencyInUseFilter(admin.SimpleListFilter):
    """The currencies sales are made in (a handful), not the whole catalog."""

    title = _("moneda")
    parameter_name = "currency"

    def lookups(self, request, model_admin):
        used = Sale.objects.values("currency_id").distinct()
        return list(Currency.objects.filter(pk__in=used).order_by("code").values_list("pk", "code"))

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(currency_id=self.value())
        return queryset


class SaleItemForm(forms.ModelForm):
    # Blank: the product's own rate (as the API's ItemSpec).
    tax_rate = forms.DecimalField(
        label=_("impuesto (%)"), required=False, min_value=0, max_digits=5, decimal_places=2,
        widget=UnfoldAdminDecimalFieldWidget,
    )  # fmt: skip
    quantity = forms.DecimalField(
        label=_("cantidad"), min_value=Decimal("0.01"), max_digits=10, decimal_places=2, initial=1,
        widget=UnfoldAdminDecimalFieldWidget,
    )  # fmt: skip
    unit_price = forms.DecimalField(
        label=_("precio unitario"), min_value=0, max_digits=17, decimal_places=4,
        widget=UnfoldAdminDecimalFieldWidget,
    )  # fmt: skip

    class Meta:
        model = SaleItem
        fields = ["product", "description", "quantity", "unit_price", "tax_rate"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Blank: the product's name.
        self.fields["description"].required = False

    def item_spec(self) -> sales.ItemSpec:
        data = self.cleaned_data
        return sales.ItemSpec(
            product=data["product"],
            description=data["description"],
            quantity=data["quantity"],
            unit_price=data["unit_price"],
            tax_rate=data["tax_rate"],
        )


class SaleItemInline(TabularInline):
    """A sale's items as the service priced them. A draft's items may be
    deleted; none is ever edited in place (delete it and add another)."""

    model = SaleItem
    fields = ["product", "description", "quantity_shown", "unit_price_shown", "tax_rate", "total_shown"]
    readonly_fields = fields
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("product", "sale__currency")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return obj is not None and _is_draft(obj) and super().has_delete_permission(request, obj)

    def has_view_permission(self, request, obj=None) -> bool:
        return True

    @admin.display(description=_("cantidad"))
    def quantity_shown(self, item: SaleItem) -> str:
        return f"{item.quantity.normalize():f}"

    @admin.display(description=_("precio unitario"))
    def unit_price_shown(self, item: SaleItem) -> str:
        return money_display(item.unit_price, item.sale.currency.code, item.sale.currency.minor_units)

    @admin.display(description=_("total"))
    def total_shown(self, item: SaleItem) -> str:
        return money_display(item.total, item.sale.currency.code, item.sale.currency.minor_units)


class NewSaleItemInline(TabularInline):
    """Empty rows for the items to add to a draft (through the service)."""

    model = SaleItem
    form = SaleItemForm
    fields = ["product", "description", "quantity", "unit_price", "tax_rate"]
    autocomplete_fields = ["product"]
    verbose_name = _("ítem nuevo")
    verbose_name_plural = _("ítems nuevos")

    def get_extra(self, request, obj=None, **kwargs):
        return 2 if obj is None else 1

    def get_queryset(self, request):
        return super().get_queryset(request).none()

    def has_add_permission(self, request, obj=None) -> bool:
        return _is_draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = ["paid_on", "amount_shown", "method", "reference"]
    readonly_fields = ["amount_shown"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("currency")

    @admin.display(description=_("monto"))
    def amount_shown(self, payment: Payment) -> str:
        return money_display(payment.amount, payment.currency.code, payment.currency.minor_units)


class PaymentForm(forms.Form):
    amount = forms.DecimalField(
        label=_("monto"), min_value=Decimal("0.0001"), max_digits=17, decimal_places=4,
        widget=UnfoldAdminDecimalFieldWidget,
    )  # fmt: skip
    method = forms.ChoiceField(label=_("medio de pago"), choices=Payment.Method.choices, widget=UnfoldAdminSelectWidget)
    paid_on = forms.DateField(label=_("fecha de pago"), widget=UnfoldAdminTextInputWidget(attrs={"type": "date"}))
    reference = forms.CharField(
        label=_("referencia"), max_length=100, required=False, widget=UnfoldAdminTextInputWidget
    )


class InvoiceIssueForm(forms.Form):
    series = forms.ModelChoiceField(
        label=_("serie"),
        queryset=InvoiceSeries.objects.filter(active=True),
        to_field_name="code",
        empty_label=None,
        widget=UnfoldAdminSelectWidget,
    )


@admin.register(Sale)
class SaleAdmin(BackOfficeAdmin):
    list_display = ["id", "client_shown", "status", "total_shown", "balance_shown", "created_shown"]
    list_display_links = ["id", "client_shown"]
    list_select_related = ["client", "currency"]
    list_filter = ["status", CurrencyInUseFilter, "created_at"]
    search_fields = ["id__exact", "client__name__unaccent_icontains", "client__document_number"]
    autocomplete_fields = ["client", "currency"]
    fields = ["client", "currency", "notes"]
    inlines = [SaleItemInline, NewSaleItemInline, PaymentInline]
    actions = ["confirm_selected", "cancel_selected"]
    change_form_outer_before_template = "admin/core/sale/workflow_buttons.html"

    # --- the list ---------------------------------------------------------

    @admin.display(description=_("cliente"), ordering="client__name")
    def client_shown(self, sale: Sale) -> str:
        return shortened(sale.client.name)

    @admin.display(description=_("creada"), ordering="created_at")
    def created_shown(self, sale: Sale) -> str:
        return short_datetime(sale.created_at)

    @admin.display(description=_("total"), ordering="total")
    def total_shown(self, sale: Sale) -> str:
        return money_display(sale.total, sale.currency.code, sale.currency.minor_units)

    @admin.display(description=_("saldo"))
    def balance_shown(self, sale: Sale) -> str:
        if sale.status in (Sale.Status.DRAFT, Sale.Status.CANCELLED):
            return "—"
        return money_display(sale.balance_due, sale.currency.code, sale.currency.minor_units)

    # --- who may change what ----------------------------------------------

    def get_readonly_fields(self, request, obj=None):
        # A sale's client, currency and notes are set when it is drafted.
        return ["client", "currency", "notes", "total_shown", "balance_shown"] if obj else []

    def get_fields(self, request, obj=None):
        return [*self.fields, "total_shown", "balance_shown"] if obj else self.fields

    def get_inlines(self, request, obj):
        if obj is None:
            return [NewSaleItemInline]
        if _is_draft(obj):
            return self.inlines
        return [SaleItemInline, PaymentInline]

    def has_change_permission(self, request, obj=None) -> bool:
        # Only a draft's page takes a POST (its items); past it, the page is read-only.
        return super().has_change_permission(request, obj) and (obj is None or _is_draft(obj))

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def may_work(self, request) -> bool:
        """Confirm, invoice, take payments, cancel: what the API lets staff do."""
        return super().has_change_permission(request)

    # --- drafting through the services -------------------------------------

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as refused:
            # Nothing was written: the view's transaction rolled back.
            self.message_user(request, refused.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        # The sale and its items are written together by save_related.
        pass

    def save_related(self, request, form, formsets, change):
        new_items = next(formset for formset in formsets if issubclass(formset.form, SaleItemForm))
        added = [f for f in new_items.extra_forms if f.has_changed()]
        sale = form.instance
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if change:
            items = next(formset for formset in formsets if formset.model is SaleItem and formset is not new_items)
            items.deleted_objects = [f.instance for f in items.deleted_forms]
            for removed in items.deleted_objects:
                sales.sale_item_remove(sale_id=sale.pk, item_id=removed.pk)
            new_items.new_objects = [sales.sale_item_add(sale_id=sale.pk, item=f.item_spec()) for f in added]
        else:
            created = sales.sale_create(
                client=form.cleaned_data["client"],
                currency=form.cleaned_data["currency"],
                notes=form.cleaned_data["notes"],
                items=[f.item_spec() for f in added],
                created_by=request.user,
            )
            for field in Sale._meta.concrete_fields:
                setattr(sale, field.attname, getattr(created, field.attname))
            sale._state.adding = False
            new_items.new_objects = list(created.items.all())

    def response_post_save_add(self, request, obj):
        # A drafted sale's next step (confirm it) is on its page.
        return self._to_sale(obj.pk)

    # --- the workflow -------------------------------------------------------

    def get_urls(self):
        workflow = [
            ("confirm", self.confirm_view),
            ("cancel", self.cancel_view),
            ("invoice", self.invoice_view),
            ("payment", self.payment_view),
        ]
        return [
            *(
                path(
                    f"<int:sale_id>/{name}/",
                    self.admin_site.admin_view(view),
                    name=f"core_sale_{name}",
                )
                for name, view in workflow
            ),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["workflow"] = {
                "sale": obj,
                "may_work": self.may_work(request),
                "can_confirm": obj.status == Sale.Status.DRAFT,
                "can_invoice": obj.status == Sale.Status.CONFIRMED,
                "can_pay": obj.status in (Sale.Status.CONFIRMED, Sale.Status.INVOICED) and obj.balance_due > 0,
                "can_cancel": obj.status in (Sale.Status.DRAFT, Sale.Status.CONFIRMED),
                "invoices": list(obj.invoices.select_related("series").order_by("-issued_at")),
            }
        return super().render_change_form(request, context, add, change, form_url, obj)

    def confirm_view(self, request, sale_id: int):
        return self._step(request, sale_id, lambda: sales.sale_confirm(sale_id=sale_id), _("Venta confirmada."))

    def cancel_view(self, request, sale_id: int):
        return self._step(request, sale_id, lambda: sales.sale_cancel(sale_id=sale_id), _("Venta anulada."))

    def invoice_view(self, request, sale_id: int):
        sale = self._workable_sale(request, sale_id)
        form = InvoiceIssueForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                invoice = invoicing.invoice_issue(sale_id=sale.pk, series_code=form.cleaned_data["series"].code)
            except DomainError as refused:
                self.message_user(request, refused.message, messages.ERROR)
                return self._to_sale(sale.pk)
            self.message_user(
                request,
                gettext("Factura %(number)s emitida.") % {"number": invoice.full_number},
                messages.SUCCESS,
            )
            return HttpResponseRedirect(reverse("admin:core_invoice_change", args=[invoice.pk]))
        return self._step_form(request, sale, form, _("Emitir la factura"), _("Emitir"))

    def payment_view(self, request, sale_id: int):
        sale = self._workable_sale(request, sale_id)
        form = PaymentForm(
            request.POST or None,
            initial={"amount": sale.balance_due, "paid_on": timezone.localdate(), "method": Payment.Method.CASH},
        )
        if request.method == "POST" and form.is_valid():
            try:
                sales.payment_record(sale_id=sale.pk, currency=None, **form.cleaned_data)
            except DomainError as refused:
                for field, errors in refused.errors.items():
                    if field in form.fields:
                        form.add_error(field, errors)
                self.message_user(request, refused.message, messages.ERROR)
                if not refused.errors:
                    return self._to_sale(sale.pk)
            else:
                self.message_user(request, gettext("Pago registrado."), messages.SUCCESS)
                return self._to_sale(sale.pk)
        return self._step_form(request, sale, form, _("Registrar un pago"), _("Registrar"))

    def _step(self, request, sale_id: int, step, done_message):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        self._workable_sale(request, sale_id)
        try:
            step()
        except DomainError as refused:
            self.message_user(request, refused.message, messages.ERROR)
        else:
            self.message_user(request, done_message, messages.SUCCESS)
        return self._to_sale(sale_id)

    def _step_form(self, request, sale: Sale, form, title, submit_label):
        currency = sale.currency
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "subtitle": str(sale),
            "summary": gettext("%(client)s · total %(total)s · saldo %(balance)s")
            % {
                "client": sale.client.name,
                "total": money_display(sale.total, currency.code, currency.minor_units),
                "balance": money_display(sale.balance_due, currency.code, currency.minor_units),
            },
            "form": form,
            "submit_label": submit_label,
            "submit_variant": "primary",
            "back_url": reverse("admin:core_sale_change", args=[sale.pk]),
            "back_label": gettext("Volver a la venta"),
        }
        return TemplateResponse(request, "admin/core/step_form.html", context)

    def _workable_sale(self, request, sale_id: int) -> Sale:
        if not self.may_work(request):
            raise PermissionDenied
        sale = Sale.objects.select_related("client", "currency").filter(pk=sale_id).first()
        if sale is None:
            raise Http404
        return sale

    def _to_sale(self, sale_id: int) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:core_sale_change", args=[sale_id]))

    @admin.action(description=_("Confirmar las ventas seleccionadas"), permissions=["change"])
    def confirm_selected(self, request, queryset):
        done = self._each(request, queryset, sales.sale_confirm)
        if done:
            message = ngettext("%(count)d venta confirmada.", "%(count)d ventas confirmadas.", done)
            self.message_user(request, message % {"count": done}, messages.SUCCESS)

    @admin.action(description=_("Anular las ventas seleccionadas"), permissions=["change"])
    def cancel_selected(self, request, queryset):
        done = self._each(request, queryset, sales.sale_cancel)
        if done:
            message = ngettext("%(count)d venta anulada.", "%(count)d ventas anuladas.", done)
            self.message_user(request, message % {"count": done}, messages.SUCCESS)

    def _each(self, request, queryset, step) -> int:
        """Runs the step on each sale; a refused one is reported and the rest go on."""
        done = 0
        for sale_id in queryset.values_list("id", flat=True):
            try:
                step(sale_id=sale_id)
            except DomainError as refused:
                self.message_user(
                    request, gettext("Venta %(id)s: %(reason)s") % {"id": sale_id, "reason": refused.message},
                    messages.ERROR,
                )  # fmt: skip
            else:
                done += 1
        return done


def _is_draft(sale: Sale | None) -> bool:
    return sale is None or sale.status == Sale.Status.DRAFT
