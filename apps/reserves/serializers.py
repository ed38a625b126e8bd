"""Backing as open data: every figure a decimal string, every time RFC 3339, and the
provenance (blocks per chain, statements per custodian) typed field by field."""

from __future__ import annotations

from rest_framework import serializers

from apps.catalog.models import Chain, Deployment
from apps.core.api import DecimalTextField

from .models import Attestation, ReserveSnapshot


class BackingSummarySerializer(serializers.Serializer):
    """One token's latest figures (null before the first snapshot)."""

    symbol = serializers.CharField()
    isin = serializers.CharField(
        allow_null=True, help_text="ISIN of the underlying share, or null: not published."
    )
    status = serializers.ChoiceField(
        choices=ReserveSnapshot.Status.choices,
        allow_null=True,
        help_text="backed, under_backed, stale (an input too old) or unknown (an input missing).",
    )
    ratio = DecimalTextField(allow_null=True, help_text="Shares held / shares required.")
    circulating_supply = DecimalTextField(allow_null=True)
    multiplier = DecimalTextField(help_text="Shares per token.")
    shares_required = DecimalTextField(allow_null=True)
    shares_held = DecimalTextField(allow_null=True)
    as_of = serializers.DateTimeField(
        allow_null=True, help_text="The oldest input (supply reading or statement) used."
    )
    computed_at = serializers.DateTimeField(allow_null=True)
    checked_at = serializers.DateTimeField(
        allow_null=True, help_text="The last recomputation that found the same figures."
    )
    snapshot_id = serializers.IntegerField(allow_null=True)


class SupplyByChainSerializer(serializers.Serializer):
    """A deployment's supply reading the snapshot used (reading fields null when none)."""

    deployment_id = serializers.IntegerField()
    chain = serializers.CharField()
    chain_name = serializers.CharField(allow_null=True)
    chain_kind = serializers.ChoiceField(choices=Chain.Kind.choices, allow_null=True)
    address = serializers.CharField()
    role = serializers.ChoiceField(choices=Deployment.Role.choices, allow_null=True)
    observation_id = serializers.IntegerField(allow_null=True)
    block_number = serializers.IntegerField(
        allow_null=True, help_text="Block (EVM) or slot (Solana)."
    )
    block_hash = serializers.CharField(allow_null=True)
    block_time = serializers.DateTimeField(allow_null=True)
    observed_at = serializers.DateTimeField(allow_null=True)
    decimals = serializers.IntegerField(allow_null=True)
    raw_supply = DecimalTextField(allow_null=True, help_text="In the smallest unit.")
    escrow_balance = DecimalTextField(allow_null=True, help_text="In the smallest unit.")
    supply = DecimalTextField(allow_null=True, help_text="In whole tokens.")
    escrow = DecimalTextField(allow_null=True)
    circulating = DecimalTextField(allow_null=True)
    multiplier = DecimalTextField(
        allow_null=True,
        help_text="The multiplier the chain reported with this reading (null: it has none).",
    )
    multiplier_source = serializers.ChoiceField(
        choices=["contract", "scaled_ui", "none"],
        allow_null=True,
        help_text=(
            "contract: the EVM contract's totalSupply() already counts it; scaled_ui: the "
            "raw supply is multiplied by it; none: the catalogue's multiplier is applied."
        ),
    )
    underlying = DecimalTextField(
        allow_null=True, help_text="What this deployment adds to the shares required."
    )
    paused = serializers.BooleanField(allow_null=True)
    new_multiplier = DecimalTextField(allow_null=True)
    new_multiplier_at = serializers.DateTimeField(allow_null=True)
    stale = serializers.BooleanField(allow_null=True)
    not_read = serializers.CharField(
        allow_null=True,
        help_text='Why the deployment was not read ("no node configured"), or null.',
    )


class StatementRefSerializer(serializers.Serializer):
    statement_pk = serializers.IntegerField()
    account = serializers.CharField()
    statement_id = serializers.CharField()
    statement_date = serializers.DateTimeField()
    sha256 = serializers.CharField(help_text="SHA-256 of the statement file as received.")
    quantity = DecimalTextField(help_text="Shares of the underlying ISIN in this statement.")
    stale = serializers.BooleanField()


class CustodianHoldingSerializer(serializers.Serializer):
    custodian = serializers.CharField(help_text="The custodian's slug.")
    name = serializers.CharField()
    quantity = DecimalTextField()
    statements = StatementRefSerializer(many=True)


class AttestationSerializer(serializers.ModelSerializer):
    issuer = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    token = serializers.SlugRelatedField(slug_field="symbol", read_only=True, allow_null=True)
    document_url = serializers.CharField(read_only=True)

    class Meta:
        model = Attestation
        fields = [
            "auditor",
            "issuer",
            "token",
            "period_start",
            "period_end",
            "date",
            "document_url",
            "sha256",
            "summary",
        ]


class ChainAppliedMultiplierSerializer(serializers.Serializer):
    chain = serializers.CharField()
    multiplier = DecimalTextField(help_text="The multiplier the chain applies now.")


class ScheduledMultiplierSerializer(serializers.Serializer):
    chain = serializers.CharField()
    name = serializers.CharField()
    multiplier = DecimalTextField(allow_null=True, help_text="As read.")
    new_multiplier = DecimalTextField()
    at = serializers.DateTimeField()
    in_force = serializers.BooleanField(
        help_text="True: it took effect after the latest reading, which the next one shows."
    )


class ChainConsistencySerializer(serializers.Serializer):
    """Whether the token's chains agree: multipliers, scheduled multipliers, pauses."""

    multipliers = ChainAppliedMultiplierSerializer(many=True)
    chains_disagree = serializers.BooleanField(
        help_text="Two chains apply different multipliers (one has applied a corporate "
        "action, another not yet)."
    )
    multiplier_due = ScheduledMultiplierSerializer(many=True)
    paused = serializers.ListField(
        child=serializers.CharField(), help_text="Chains where the deployment is paused."
    )


class BackingDetailSerializer(BackingSummarySerializer):
    """The latest figures with the blocks and statements they come from."""

    supply_by_chain = SupplyByChainSerializer(many=True)
    holdings_by_custodian = CustodianHoldingSerializer(many=True)
    missing = serializers.ListField(child=serializers.CharField(), help_text="Missing inputs.")
    stale = serializers.ListField(child=serializers.CharField(), help_text="Inputs too old.")
    not_counted = serializers.ListField(
        child=serializers.CharField(),
        help_text="Deployments left out of the sum: on chains without a node, where this "
        "site is set to leave them out (RESERVE_SKIP_CHAINS_WITHOUT_NODE; the demo world).",
    )
    tolerance_bps = serializers.IntegerField(allow_null=True)
    consistency = ChainConsistencySerializer()
    attestations = AttestationSerializer(many=True)


class BackingListSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = BackingSummarySerializer(many=True)


class HistoryRowSerializer(serializers.Serializer):
    computed_at = serializers.DateTimeField()
    ratio = DecimalTextField(allow_null=True)
    status = serializers.ChoiceField(choices=ReserveSnapshot.Status.choices)
    shares_required = DecimalTextField(allow_null=True)
    shares_held = DecimalTextField(allow_null=True)
    multiplier = DecimalTextField()


class HistorySerializer(serializers.Serializer):
    symbol = serializers.CharField()
    history = HistoryRowSerializer(many=True)
