"""The token catalogue: who issues what, backed by which share, deployed where."""

from __future__ import annotations

import os
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from apps.core import identifiers
from apps.core.fields import ExactDecimalField
from apps.core.validators import validate_country, validate_isin, validate_lei

slug_validator = RegexValidator(r"^[a-z0-9][a-z0-9-]*$", "lower-case letters, digits and hyphens")


class Issuer(models.Model):
    """The issuing SPV that holds the shares and issues the tokens."""

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField("legal name", max_length=200)
    jurisdiction = models.CharField(max_length=2, validators=[validate_country])
    lei = models.CharField("LEI", max_length=20, blank=True, validators=[validate_lei])
    website = models.URLField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Security(models.Model):
    """The underlying share or ETF unit held at the custodians."""

    class Kind(models.TextChoices):
        STOCK = "stock", _("Stock")
        ETF = "etf", _("ETF")

    ticker = models.CharField(max_length=16)
    # Blank, null or empty: not published (no public source found); never guessed.
    name = models.CharField(max_length=200, blank=True)
    isin = models.CharField(
        "ISIN", max_length=12, unique=True, null=True, blank=True, validators=[validate_isin]
    )
    # Where the ISIN was found: ["<repo>:<path>", ...].
    isin_sources = models.JSONField("ISIN sources", default=list, blank=True)
    exchange_mic = models.CharField("exchange MIC", max_length=4, blank=True)
    kind = models.CharField(max_length=8, choices=Kind.choices, blank=True)
    sector = models.CharField(max_length=64, blank=True)
    # Where name, kind, exchange and sector were found: ["<repo>:<path>", ...].
    meta_sources = models.JSONField(
        "name, kind, exchange and sector sources", default=list, blank=True
    )

    class Meta:
        ordering = ["ticker"]
        verbose_name_plural = "securities"

    def __str__(self) -> str:
        return f"{self.ticker} ({self.isin or 'ISIN not published'})"


class TokenQuerySet(QuerySet["Token"]):
    def for_catalog(self) -> TokenQuerySet:
        """Tokens with issuer, underlying and deployments in a fixed number of queries."""
        return (
            self.select_related("issuer", "security")
            .prefetch_related(
                Prefetch(
                    "deployments",
                    queryset=Deployment.objects.select_related("chain").order_by("chain__name"),
                )
            )
            .order_by("symbol")
        )

    def for_detail(self) -> TokenQuerySet:
        """One token's page: its catalogue facts without per-row queries (pages that show
        chain readings add their own prefetches, e.g. apps.chains.selectors)."""
        return self.select_related("issuer", "security").prefetch_related(
            Prefetch(
                "deployments",
                queryset=Deployment.objects.select_related("chain").order_by("chain__name"),
            ),
            Prefetch("venues", queryset=Venue.objects.select_related("chain").order_by("name")),
            Prefetch("documents", queryset=Document.objects.order_by("-date", "title")),
            Prefetch("corporate_actions", queryset=CorporateAction.objects.order_by("-ex_date")),
        )

    def search(self, text: str) -> TokenQuerySet:
        text = text.strip()
        if not text:
            return self
        return self.filter(
            Q(symbol__icontains=text)
            | Q(name__icontains=text)
            | Q(security__ticker__icontains=text)
            | Q(security__name__icontains=text)
            | Q(security__isin__iexact=text)
            | Q(isin__iexact=text)
        )


class Token(models.Model):
    """A tokenized share: one symbol, one underlying, deployed on one or more chains."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        ANNOUNCED = "announced", _("Announced")
        DELISTED = "delisted", _("Delisted")

    symbol = models.CharField(max_length=24, unique=True)
    name = models.CharField(max_length=200)
    isin = models.CharField(
        "token ISIN", max_length=12, blank=True, validators=[validate_isin], db_index=True
    )
    issuer = models.ForeignKey(Issuer, on_delete=models.PROTECT, related_name="tokens")
    security = models.ForeignKey(Security, on_delete=models.PROTECT, related_name="tokens")
    # Shares of the underlying per token; 1 at launch, changed by corporate actions.
    multiplier = ExactDecimalField(
        max_digits=30,
        decimal_places=18,
        default=Decimal(1),
        validators=[MinValueValidator(Decimal("0.000000000000000001"))],
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    launch_date = models.DateField(null=True, blank=True)
    factsheet_url = models.URLField(max_length=300, blank=True)
    # The public sources that agree on this token's facts:
    # [{"id", "repo", "path", "commit"?, "supports": ["solana_mint", ...]}, ...].
    sources = models.JSONField(default=list, blank=True)

    objects = TokenQuerySet.as_manager()

    class Meta:
        ordering = ["symbol"]
        constraints = [
            models.CheckConstraint(condition=Q(multiplier__gt=0), name="token_multiplier_positive")
        ]

    def __str__(self) -> str:
        return self.symbol


class Chain(models.Model):
    """A blockchain the tokens live on, and how to reach and link to it."""

    class Kind(models.TextChoices):
        EVM = "evm", _("EVM")
        SOLANA = "solana", _("Solana")

    slug = models.SlugField(max_length=32, unique=True, validators=[slug_validator])
    kind = models.CharField(max_length=8, choices=Kind.choices)
    name = models.CharField(max_length=64)
    chain_id = models.BigIntegerField(null=True, blank=True, help_text="EVM chain id")
    rpc_url = models.CharField(max_length=500, blank=True)
    explorer_url = models.URLField(blank=True)
    # Templates with {address} and {block}; empty means "<explorer_url>/token/{address}" etc.
    explorer_token_template = models.CharField(max_length=300, blank=True)
    explorer_block_template = models.CharField(max_length=300, blank=True)
    # EVM: blocks to wait before a block counts as final (a reorged block is never read).
    confirmations = models.PositiveIntegerField(default=0)
    # How old the latest observation may be before a deployment on this chain reads stale.
    max_age_seconds = models.PositiveIntegerField(default=3600)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.kind == self.Kind.EVM and self.chain_id is None:
            raise ValidationError({"chain_id": "an EVM chain needs its chain id"})

    @staticmethod
    def node_url(slug: str, rpc_url: str) -> str:
        """The node to ask: RPC_URL_<SLUG> from the environment wins over the registry;
        "" when neither names one (mainnet chains have none by default)."""
        override = os.environ.get(f"RPC_URL_{slug.upper().replace('-', '_')}", "")
        return override or rpc_url

    @property
    def effective_rpc_url(self) -> str:
        return self.node_url(self.slug, self.rpc_url)

    @property
    def has_node(self) -> bool:
        """False: no node is configured for this chain, so nothing on it is read."""
        return bool(self.effective_rpc_url)

    def _template(self, own: str, suffix: str) -> str:
        if own:
            return own
        return f"{self.explorer_url.rstrip('/')}{suffix}" if self.explorer_url else ""

    def token_url(self, address: str) -> str:
        template = self._template(self.explorer_token_template, "/token/{address}")
        return template.format(address=address) if template else ""

    def block_url(self, block: int) -> str:
        template = self._template(self.explorer_block_template, "/block/{block}")
        return template.format(block=block) if template else ""


class Deployment(models.Model):
    """A token's contract (EVM) or mint (Solana) on one chain."""

    class Role(models.TextChoices):
        CANONICAL = "canonical", _("Canonical")
        BRIDGED = "bridged", _("Bridged")

    token = models.ForeignKey(Token, on_delete=models.CASCADE, related_name="deployments")
    chain = models.ForeignKey(Chain, on_delete=models.PROTECT, related_name="deployments")
    address = models.CharField("address or mint", max_length=64)
    decimals = models.PositiveSmallIntegerField()
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.CANONICAL)
    # Lock-and-mint bridge escrows on this deployment's chain: their balance is not circulating.
    escrow_addresses = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["token__symbol", "chain__name"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "address"], name="deployment_unique_address"),
            models.UniqueConstraint(fields=["token", "chain"], name="deployment_one_per_chain"),
        ]

    def __str__(self) -> str:
        return f"{self.token} on {self.chain}"

    def clean(self) -> None:
        try:
            self.address = identifiers.check_address(self.chain.kind, self.address)
            self.escrow_addresses = [
                identifiers.check_address(self.chain.kind, a) for a in self.escrow_addresses
            ]
        except ValueError as exc:
            raise ValidationError({"address": str(exc)}) from exc

    @property
    def explorer_url(self) -> str:
        return self.chain.token_url(self.address)


class Venue(models.Model):
    """Where a token trades or can be borrowed against."""

    class Kind(models.TextChoices):
        CEX = "cex", _("Centralised exchange")
        DEX = "dex", _("Decentralised exchange")
        LENDING = "lending", _("Lending market")

    token = models.ForeignKey(Token, on_delete=models.CASCADE, related_name="venues")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    url = models.URLField(blank=True)
    chain = models.ForeignKey(Chain, on_delete=models.PROTECT, null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["token", "name"], name="venue_unique")]

    def __str__(self) -> str:
        return f"{self.name} ({self.token})"


class Document(models.Model):
    """A legal or disclosure document for a token or its issuer, fixed by its SHA-256."""

    class Kind(models.TextChoices):
        PROSPECTUS = "prospectus", _("Base prospectus")
        FINAL_TERMS = "final_terms", _("Final terms")
        KID = "kid", _("Key information document")
        ATTESTATION = "attestation", _("Attestation")
        OTHER = "other", _("Other")

    token = models.ForeignKey(
        Token, on_delete=models.CASCADE, related_name="documents", null=True, blank=True
    )
    issuer = models.ForeignKey(
        Issuer, on_delete=models.CASCADE, related_name="documents", null=True, blank=True
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    title = models.CharField(max_length=200)
    url = models.URLField(blank=True)
    file = models.FileField(upload_to="documents/", blank=True)
    sha256 = models.CharField(
        "SHA-256",
        max_length=64,
        blank=True,
        validators=[RegexValidator(r"^[0-9a-f]{64}$", "64 lower-case hex digits")],
    )
    date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-date", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(token__isnull=False) | Q(issuer__isnull=False),
                name="document_has_owner",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class CorporateAction(models.Model):
    """A split, reverse split or dividend, and the multiplier before and after."""

    class Kind(models.TextChoices):
        SPLIT = "split", _("Split")
        REVERSE_SPLIT = "reverse_split", _("Reverse split")
        DIVIDEND = "dividend", _("Dividend (reinvested)")
        OTHER = "other", _("Other")

    token = models.ForeignKey(Token, on_delete=models.CASCADE, related_name="corporate_actions")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    ex_date = models.DateField()
    ratio = ExactDecimalField(max_digits=30, decimal_places=18, null=True, blank=True)
    multiplier_before = ExactDecimalField(max_digits=30, decimal_places=18)
    multiplier_after = ExactDecimalField(max_digits=30, decimal_places=18)
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-ex_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["token", "kind", "ex_date"], name="corporate_action_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.token} on {self.ex_date}"


# --- registry facts read by other apps ------------------------------------------------------
# Custodians, their accounts and the oracle feeds are declared in the registry, like tokens
# and chains; what they report (statements, oracle rounds) lives in custody and chains.


class Custodian(models.Model):
    """A custodian bank holding an issuer's shares."""

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    country = models.CharField(max_length=2, validators=[validate_country])
    website = models.URLField(blank=True)

    class Meta:
        db_table = "custody_custodian"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CustodyAccount(models.Model):
    """A safekeeping account of an issuer at a custodian."""

    custodian = models.ForeignKey(Custodian, on_delete=models.PROTECT, related_name="accounts")
    account_id = models.CharField(max_length=64)
    issuer = models.ForeignKey(Issuer, on_delete=models.PROTECT, related_name="custody_accounts")

    class Meta:
        db_table = "custody_custodyaccount"
        ordering = ["custodian__name", "account_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["custodian", "account_id"], name="custody_account_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.custodian.slug}:{self.account_id}"


class OracleFeed(models.Model):
    """A Chainlink AggregatorV3-compatible price feed for a token on a chain."""

    token = models.ForeignKey(Token, on_delete=models.CASCADE, related_name="oracle_feeds")
    chain = models.ForeignKey(Chain, on_delete=models.PROTECT, related_name="oracle_feeds")
    address = models.CharField(max_length=64)
    description = models.CharField(max_length=100, blank=True)
    heartbeat_seconds = models.PositiveIntegerField(default=86400)
    deviation_bps = ExactDecimalField(max_digits=10, decimal_places=4, default=Decimal(50))
    decimals = models.PositiveSmallIntegerField(null=True, blank=True, help_text="as read")

    class Meta:
        db_table = "chains_oraclefeed"
        ordering = ["token__symbol", "chain__name"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "address"], name="oracle_feed_unique")
        ]

    def __str__(self) -> str:
        return f"{self.token} feed on {self.chain}"


class PriceFeed(models.Model):
    """An off-chain price stream for a token (Chainlink Data Streams, Pyth), known by its
    feed id: static registry facts. What the stream reports is read by apps.markets."""

    class Provider(models.TextChoices):
        CHAINLINK_DATA_STREAMS = "chainlink-data-streams", _("Chainlink Data Streams")
        PYTH = "pyth", _("Pyth")

    class Schema(models.TextChoices):
        # Tokenized asset: price, tokenizedPrice, marketStatus, currentMultiplier,
        # newMultiplier, activationDateTime.
        V10 = "v10", _("v10 tokenized asset")
        V8 = "v8", _("v8 RWA (underlying equity)")
        HERMES = "hermes", _("Pyth Hermes")

    token = models.ForeignKey(Token, on_delete=models.CASCADE, related_name="price_feeds")
    provider = models.CharField(max_length=32, choices=Provider.choices)
    schema = models.CharField(max_length=16, choices=Schema.choices)
    # 32-byte id as 0x-prefixed lower-case hex (Data Streams), or the Pyth Hermes id.
    feed_id = models.CharField(max_length=66, blank=True)
    lazer_id = models.PositiveIntegerField(null=True, blank=True, help_text="Pyth Lazer id")
    measures = models.CharField(max_length=200, blank=True)
    # Where the feed id was found: [{"source": id, "repo"?, "path"?, "url"?}, ...].
    sources = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["token__symbol", "provider", "schema"]
        constraints = [
            models.UniqueConstraint(
                fields=["token", "provider", "schema"], name="price_feed_one_per_schema"
            ),
            models.UniqueConstraint(
                fields=["provider", "feed_id"],
                condition=~Q(feed_id=""),
                name="price_feed_unique_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.token} {self.get_provider_display()} {self.schema}"
