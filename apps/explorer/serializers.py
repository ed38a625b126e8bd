"""The catalogue as open data: tokens, their underlying, issuer, deployments and, for one
token, venues, documents, corporate actions and each deployment's latest supply."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.catalog.models import (
    Chain,
    CorporateAction,
    Deployment,
    Document,
    Issuer,
    Security,
    Token,
    Venue,
)
from apps.chains.serializers import SupplySerializer
from apps.core.api import DecimalTextField
from apps.markets.serializers import OracleStatusSerializer
from apps.reserves.computation import chain_consistency
from apps.reserves.serializers import ChainConsistencySerializer


class IssuerSerializer(serializers.ModelSerializer):
    lei = serializers.CharField(help_text="ISO 17442 LEI, or an empty string when none is known.")

    class Meta:
        model = Issuer
        fields = ["slug", "name", "jurisdiction", "lei", "website"]


class SecuritySerializer(serializers.ModelSerializer):
    isin_sources = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Where the ISIN was found: '<repository>:<path>' of each public source.",
    )

    class Meta:
        model = Security
        fields = ["ticker", "name", "isin", "isin_sources", "exchange_mic", "kind", "sector"]
        extra_kwargs = {
            "isin": {"help_text": "ISIN of the underlying, or null: not published."},
            "name": {"help_text": "Empty: not published."},
        }


class DeploymentSerializer(serializers.ModelSerializer):
    chain = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    chain_kind = serializers.ChoiceField(
        source="chain.kind", choices=Chain.Kind.choices, read_only=True
    )
    escrow_addresses = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Bridge escrows on this chain: their balance is not circulating.",
    )
    explorer_url = serializers.CharField(
        read_only=True, help_text="The token on the chain's explorer, or an empty string."
    )

    class Meta:
        model = Deployment
        fields = [
            "chain",
            "chain_kind",
            "address",
            "decimals",
            "role",
            "escrow_addresses",
            "explorer_url",
        ]


READ_STATUSES = [
    ("read", "read"),
    ("stale", "stale: the latest reading is older than the chain's max age"),
    ("never_read", "never read yet"),
    ("no_node", "not read: no node configured"),
]


class DeploymentDetailSerializer(DeploymentSerializer):
    supply = serializers.SerializerMethodField(
        help_text="The latest supply reading of this deployment, or null: never read, or "
        "not read because no node is configured for the chain (see read_status)."
    )
    read_status = serializers.SerializerMethodField(
        help_text="read, stale, never_read, or no_node (not read: no node configured; "
        "RPC_URL_<SLUG> sets one)."
    )

    class Meta(DeploymentSerializer.Meta):
        fields = [*DeploymentSerializer.Meta.fields, "supply", "read_status"]

    @extend_schema_field(SupplySerializer(allow_null=True))
    def get_supply(self, deployment: Deployment) -> dict[str, Any] | None:
        """The latest reading, prefetched as `latest_supply` by the token selector."""
        if not deployment.chain.has_node:
            return None
        latest = getattr(deployment, "latest_supply", None)
        return SupplySerializer(latest[0], context=self.context).data if latest else None

    @extend_schema_field(serializers.ChoiceField(choices=READ_STATUSES))
    def get_read_status(self, deployment: Deployment) -> str:
        if not deployment.chain.has_node:
            return "no_node"
        latest = getattr(deployment, "latest_supply", None)
        if not latest:
            return "never_read"
        return "stale" if latest[0].stale else "read"


class VenueSerializer(serializers.ModelSerializer):
    chain = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = Venue
        fields = ["name", "kind", "url", "chain"]


class DocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Document
        fields = ["kind", "title", "url", "sha256", "date"]


class CorporateActionSerializer(serializers.ModelSerializer):
    ratio = DecimalTextField(allow_null=True)
    multiplier_before = DecimalTextField()
    multiplier_after = DecimalTextField()

    class Meta:
        model = CorporateAction
        fields = [
            "kind",
            "ex_date",
            "ratio",
            "multiplier_before",
            "multiplier_after",
            "description",
        ]


class TokenSerializer(serializers.ModelSerializer):
    multiplier = DecimalTextField(help_text="Shares of the underlying per token.")
    issuer = IssuerSerializer(read_only=True)
    underlying = SecuritySerializer(source="security", read_only=True)
    deployments = DeploymentSerializer(many=True, read_only=True)
    url = serializers.HyperlinkedIdentityField(
        view_name="api-token-detail", lookup_field="symbol", read_only=True
    )

    class Meta:
        model = Token
        fields = [
            "symbol",
            "name",
            "isin",
            "status",
            "multiplier",
            "launch_date",
            "issuer",
            "underlying",
            "deployments",
            "url",
        ]


class TokenSourceSerializer(serializers.Serializer):
    # Defaults: a row written by hand (the admin) or by an older loader may lack a key.
    id = serializers.CharField(default="", help_text="The source's id in the public facts file.")
    repo = serializers.CharField(default="", help_text="owner/name; empty when not identified.")
    path = serializers.CharField(default="")
    commit = serializers.CharField(default="", help_text="The commit read; may be empty.")
    supports = serializers.ListField(
        child=serializers.CharField(),
        default=list,
        help_text="What it gives: solana_mint, evm_address, token_isin, factsheet_url.",
    )
    note = serializers.CharField(default="")


class TokenDetailSerializer(TokenSerializer):
    deployments = DeploymentDetailSerializer(many=True, read_only=True)
    sources = TokenSourceSerializer(many=True, read_only=True)
    venues = VenueSerializer(many=True, read_only=True)
    documents = DocumentSerializer(many=True, read_only=True)
    corporate_actions = CorporateActionSerializer(many=True, read_only=True)
    oracle = serializers.SerializerMethodField(
        help_text="The latest Chainlink Data Streams report beside the site's own figures, "
        "or null when the token has no Data Streams feed."
    )
    chain_agreement = serializers.SerializerMethodField(
        help_text="Whether the chains agree, from each deployment's latest supply reading: "
        "the multiplier each applies now, scheduled multipliers, pauses."
    )

    class Meta(TokenSerializer.Meta):
        fields = [
            *TokenSerializer.Meta.fields,
            "factsheet_url",
            "sources",
            "venues",
            "documents",
            "corporate_actions",
            "oracle",
            "chain_agreement",
        ]

    @extend_schema_field(ChainConsistencySerializer())
    def get_chain_agreement(self, token: Token) -> dict[str, Any]:
        """From the latest readings prefetched as `latest_supply` (no query)."""
        readings = []
        for d in token.deployments.all():
            latest = getattr(d, "latest_supply", None)
            if latest:
                readings.append((d.chain.slug, d.chain.name, latest[0]))
        record, _notes = chain_consistency(token.symbol, readings, timezone.now())
        return ChainConsistencySerializer(record, context=self.context).data

    @extend_schema_field(OracleStatusSerializer(allow_null=True))
    def get_oracle(self, token: Token) -> dict[str, Any] | None:
        """The status attached as `oracle_status` by the view."""
        status = getattr(token, "oracle_status", None)
        return OracleStatusSerializer(status, context=self.context).data if status else None
