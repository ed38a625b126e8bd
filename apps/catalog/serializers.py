from __future__ import annotations

from rest_framework import serializers

from apps.chains.serializers import SupplySerializer

from .models import Chain, CorporateAction, Deployment, Document, Issuer, Security, Token, Venue


class IssuerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Issuer
        fields = ["slug", "name", "jurisdiction", "lei", "website"]


class SecuritySerializer(serializers.ModelSerializer):
    class Meta:
        model = Security
        fields = ["ticker", "name", "isin", "exchange_mic", "kind", "sector"]


class ChainSerializer(serializers.ModelSerializer):
    class Meta:
        model = Chain
        fields = ["slug", "kind", "name", "chain_id", "explorer_url"]


class DeploymentSerializer(serializers.ModelSerializer):
    chain = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    chain_kind = serializers.CharField(source="chain.kind", read_only=True)
    explorer_url = serializers.CharField(read_only=True)

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


class DeploymentDetailSerializer(DeploymentSerializer):
    supply = serializers.SerializerMethodField()

    class Meta(DeploymentSerializer.Meta):
        fields = [*DeploymentSerializer.Meta.fields, "supply"]

    def get_supply(self, deployment: Deployment) -> dict | None:
        """The latest supply reading (prefetched by Token.objects.for_detail()), or null."""
        latest = getattr(deployment, "latest_supply", None)
        return SupplySerializer(latest[0]).data if latest else None


class VenueSerializer(serializers.ModelSerializer):
    chain = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Venue
        fields = ["name", "kind", "url", "chain"]


class DocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Document
        fields = ["kind", "title", "url", "sha256", "date"]


class CorporateActionSerializer(serializers.ModelSerializer):
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


class TokenDetailSerializer(TokenSerializer):
    deployments = DeploymentDetailSerializer(many=True, read_only=True)
    venues = VenueSerializer(many=True, read_only=True)
    documents = DocumentSerializer(many=True, read_only=True)
    corporate_actions = CorporateActionSerializer(many=True, read_only=True)

    class Meta(TokenSerializer.Meta):
        fields = [*TokenSerializer.Meta.fields, "venues", "documents", "corporate_actions"]
