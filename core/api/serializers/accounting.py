"""The chart of accounts, journal entries and the trial balance. Entries are
shaped by core.selectors.accounting; these serializers validate input and
document the shape."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api.serializers.fields import UNKNOWN_ACCOUNT, UNKNOWN_CURRENCY, ActiveFlagField, code_field, money
from core.models import Account, Currency, JournalEntry


class AccountSerializer(serializers.ModelSerializer):
    parent = code_field(Account.objects.all(), does_not_exist=UNKNOWN_ACCOUNT, allow_null=True, required=False)
    active = ActiveFlagField()

    class Meta:
        model = Account
        fields = ["id", "code", "name", "type", "parent", "active"]


class JournalLineInputSerializer(serializers.Serializer):
    account = code_field(Account.objects.filter(active=True), does_not_exist=UNKNOWN_ACCOUNT)
    debit = money(min_value=0, default=0)
    credit = money(min_value=0, default=0)


class JournalEntryCreateSerializer(serializers.Serializer):
    date = serializers.DateField()
    description = serializers.CharField(max_length=250)
    currency = code_field(Currency.objects.all(), does_not_exist=UNKNOWN_CURRENCY)
    lines = JournalLineInputSerializer(many=True, allow_empty=False)


class JournalLineOutputSerializer(serializers.Serializer):
    account = serializers.CharField(help_text="Código de la cuenta.")
    account_name = serializers.CharField()
    debit = serializers.CharField()
    credit = serializers.CharField()
    currency = serializers.CharField()


class JournalEntryOutputSerializer(serializers.Serializer):
    """Documents the shape of core.selectors.accounting in the schema. Amounts
    are strings with the decimals of the entry's currency."""

    id = serializers.IntegerField()
    date = serializers.DateField()
    description = serializers.CharField()
    source = serializers.ChoiceField(choices=JournalEntry.Source.choices)
    source_id = serializers.IntegerField(
        allow_null=True, help_text="La factura o el pago que lo originó; nulo si es manual."
    )
    currency = serializers.CharField()
    total = serializers.CharField()
    posted_at = serializers.DateTimeField()
    lines = JournalLineOutputSerializer(many=True)


class TrialBalanceQuerySerializer(serializers.Serializer):
    """The period of the trial balance. `desde`/`hasta` are the names it had
    before query parameters were all English; they are read for one more
    release when `date_from`/`date_to` are absent."""

    date_from = serializers.DateField(required=False, help_text="First day of the period (YYYY-MM-DD).")
    date_to = serializers.DateField(required=False, help_text="Last day of the period (YYYY-MM-DD).")
    desde = serializers.DateField(required=False, help_text="Deprecated alias of date_from.")
    hasta = serializers.DateField(required=False, help_text="Deprecated alias of date_to.")

    def validate(self, attrs):
        date_from = attrs.get("date_from", attrs.get("desde"))
        date_to = attrs.get("date_to", attrs.get("hasta"))
        missing = {}
        if date_from is None:
            missing["date_from"] = [_("Indique el primer día del periodo en date_from (AAAA-MM-DD).")]
        if date_to is None:
            missing["date_to"] = [_("Indique el último día del periodo en date_to (AAAA-MM-DD).")]
        if missing:
            raise serializers.ValidationError(missing)
        if date_from > date_to:
            raise serializers.ValidationError(
                {"date_to": [_("El periodo acaba antes de empezar: date_to debe ser igual o posterior a date_from.")]}
            )
        return {"date_from": date_from, "date_to": date_to}


class TrialBalanceRowSerializer(serializers.Serializer):
    account = serializers.CharField(help_text="Código de la cuenta.")
    account_name = serializers.CharField()
    account_type = serializers.ChoiceField(choices=Account.Type.choices)
    currency = serializers.CharField()
    debit = serializers.CharField()
    credit = serializers.CharField()
    balance = serializers.CharField()


class TrialBalanceSerializer(serializers.Serializer):
    """The period asked for, with one row per account and currency."""

    date_from = serializers.DateField()
    date_to = serializers.DateField()
    desde = serializers.DateField(help_text="Deprecated: the same as date_from; removed in the next release.")
    hasta = serializers.DateField(help_text="Deprecated: the same as date_to; removed in the next release.")
    rows = TrialBalanceRowSerializer(many=True)
