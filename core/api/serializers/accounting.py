"""The chart of accounts, journal entries and the trial balance. Entries are
shaped by core.selectors.accounting; these serializers validate input and
document the shape."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api.serializers.fields import ActiveFlagField, money
from core.models import Account, Currency


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


class JournalEntryOutputSerializer(serializers.Serializer):
    """Documents the shape of core.selectors.accounting in the schema."""

    id = serializers.IntegerField()
    date = serializers.DateField()
    description = serializers.CharField()
    source = serializers.CharField()
    source_id = serializers.IntegerField(allow_null=True)
    currency = serializers.CharField()
    total = serializers.CharField()
    posted_at = serializers.DateTimeField()
    lines = serializers.ListField(child=serializers.DictField())


class TrialBalanceQuerySerializer(serializers.Serializer):
    desde = serializers.DateField(help_text="Primer día del periodo (AAAA-MM-DD).")
    hasta = serializers.DateField(help_text="Último día del periodo (AAAA-MM-DD).")

    def validate(self, attrs):
        if attrs["desde"] > attrs["hasta"]:
            raise serializers.ValidationError({"hasta": [_("'hasta' no puede ser anterior a 'desde'.")]})
        return attrs


class TrialBalanceRowSerializer(serializers.Serializer):
    account = serializers.CharField()
    account_name = serializers.CharField()
    account_type = serializers.CharField()
    currency = serializers.CharField()
    debit = serializers.CharField()
    credit = serializers.CharField()
    balance = serializers.CharField()
