"""The default jurisdiction rules seeded by migration 0002 and documented in the README.

(country, region, reason, legal basis). All are "blocked"; officers change them
in the back office, which ends a rule and saves a new one.
"""

from __future__ import annotations

_REG_S = (
    "US Securities Act of 1933, s. 5: the tokens are not registered with the SEC and are "
    "offered only in offshore transactions to non-US persons under Regulation S "
    "(17 CFR 230.901-905)."
)
_US_TERRITORY = (
    "Regulation S, Rule 902(l) (17 CFR 230.902(l)): the United States includes its "
    "territories and possessions."
)

DEFAULT_RULES: list[tuple[str, str, str, str]] = [
    ("US", "", "US persons may not buy the tokens: they are offered outside the US only.", _REG_S),
    ("PR", "", "Puerto Rico is a US territory: treated as the United States.", _US_TERRITORY),
    ("GU", "", "Guam is a US territory: treated as the United States.", _US_TERRITORY),
    (
        "VI",
        "",
        "The US Virgin Islands are a US territory: treated as the United States.",
        _US_TERRITORY,
    ),
    ("AS", "", "American Samoa is a US territory: treated as the United States.", _US_TERRITORY),
    (
        "MP",
        "",
        "The Northern Mariana Islands are a US territory: treated as the United States.",
        _US_TERRITORY,
    ),
    (
        "UM",
        "",
        "The US Minor Outlying Islands are US possessions: treated as the United States.",
        _US_TERRITORY,
    ),
    (
        "CU",
        "",
        "Cuba is under comprehensive sanctions.",
        "US Cuban Assets Control Regulations, 31 CFR Part 515.",
    ),
    (
        "IR",
        "",
        "Iran is under comprehensive sanctions.",
        "US Iranian Transactions and Sanctions Regulations, 31 CFR Part 560; "
        "Council Regulation (EU) No 267/2012.",
    ),
    (
        "KP",
        "",
        "North Korea is under comprehensive sanctions.",
        "UN Security Council Resolution 1718 (2006) and successors; US North Korea Sanctions "
        "Regulations, 31 CFR Part 510; Council Regulation (EU) 2017/1509.",
    ),
    (
        "SY",
        "",
        "Syria is restricted under the issuer's sanctions policy.",
        "Council Regulation (EU) No 36/2012 as amended; issuer's terms. (The US Syrian "
        "Sanctions Regulations, 31 CFR Part 542, were largely lifted by Executive Order 14312 "
        "of 30 June 2025: review this rule against the issuer's current terms.)",
    ),
    (
        "UA",
        "UA-43",
        "Crimea is under comprehensive sanctions.",
        "US Executive Order 13685 (2014); Council Regulation (EU) No 692/2014.",
    ),
    (
        "UA",
        "UA-14",
        "The occupied Donetsk region is under comprehensive sanctions.",
        "US Executive Order 14065 (2022); Council Regulation (EU) 2022/263.",
    ),
    (
        "UA",
        "UA-09",
        "The occupied Luhansk region is under comprehensive sanctions.",
        "US Executive Order 14065 (2022); Council Regulation (EU) 2022/263.",
    ),
    (
        "CN",
        "",
        "The issuer does not offer the tokens in mainland China.",
        "Issuer's terms; People's Bank of China notice on virtual-currency trading risks "
        "(Yinfa [2021] No. 237, 24 September 2021).",
    ),
    (
        "RU",
        "",
        "The issuer does not offer the tokens to Russian residents.",
        "Issuer's terms; Council Regulation (EU) No 833/2014, Articles 5b and 5f "
        "(crypto-asset services and transferable securities for Russian nationals and residents).",
    ),
    (
        "BY",
        "",
        "The issuer does not offer the tokens to Belarusian residents.",
        "Issuer's terms; Council Regulation (EC) No 765/2006, Articles 1u and 1w as amended.",
    ),
]
