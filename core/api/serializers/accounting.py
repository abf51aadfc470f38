"""The chart of accounts, journal entries and the trial balance. Entries are
shaped by core.selectors.accounting; these serializers validate input and
document the shape."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api.serializers.fields import ActiveFlagField, money
from core.models import Account, Currency, JournalEntry


class AccountSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(
        slug_field="code", queryset=Account.objects.all(), allow_null=True, required=False
    )
    active = ActiveFlagField()

    class Meta:
        model = Account
        fields = ["id", "code", "name", "type", "parent", "active"]


class JournalLineInputSerializer(serializers.Serializer):
    account = serializers.SlugRelatedField(slug_field="code", queryset=Account.objects.filter(active=True))
    debit = money(min_value=0, default=0)
    credit = money(min_value=0, default=0)


class JournalEntryCreateSerializer(serializers.Serializer):
    date = serializers.DateField()
    description = serializers.CharField(max_length=250)
    currency = serializers.SlugRelatedField(slug_field="code", queryset=Currency.objects.all())
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
    desde = serializers.DateField(help_text="Primer día del periodo (AAAA-MM-DD).")
    hasta = serializers.DateField(help_text="Último día del periodo (AAAA-MM-DD).")

    def validate(self, attrs):
        if attrs["desde"] > attrs["hasta"]:
            raise serializers.ValidationError({"hasta": [_("'hasta' no puede ser anterior a 'desde'.")]})
        return attrs


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

    desde = serializers.DateField()
    hasta = serializers.DateField()
    rows = TrialBalanceRowSerializer(many=True)
