"""The default jurisdiction rules, documented in the README's table.

INITIAL_RULES were seeded by migration compliance.0002 (all "blocked");
UKRAINE_2022_RULES by jurisdictions.0002. Officers change rules in the back
office, which ends a rule and saves a new one; these lists only seed a new
database. A new default is added by a new data migration, never by editing
a list an old migration reads.
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

# (country, region, reason, legal basis), all blocked.
INITIAL_RULES: list[tuple[str, str, str, str]] = [
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

_EU_2022_263 = (
    "Council Regulation (EU) 2022/263 as amended by Council Regulation (EU) 2022/1903 of "
    "6 October 2022, which extended it to the non-government controlled areas of the "
    "Zaporizhzhia and Kherson oblasts"
)
_EO_14065 = (
    "US Executive Order 14065 (2022): its Covered Regions are the so-called DNR and LNR and "
    "such other regions of Ukraine as the Secretary of the Treasury determines (OFAC FAQ 1009)"
)

# (country, region, status, reason, legal basis), added by migration jurisdictions.0002.
UKRAINE_2022_RULES: list[tuple[str, str, str, str, str]] = [
    (
        "UA",
        "UA-40",
        "blocked",
        "Sevastopol is under comprehensive sanctions, like the rest of Crimea.",
        "US Executive Order 13685 (2014), the Crimea region of Ukraine; Council Regulation (EU) "
        "No 692/2014 concerning restrictive measures in response to the illegal annexation of "
        "Crimea and Sevastopol.",
    ),
    (
        "UA",
        "UA-23",
        "review",
        "Parts of the Zaporizhzhia region are not government-controlled and are under sanctions: "
        "check that the address lies outside them.",
        f"{_EU_2022_263}; {_EO_14065}.",
    ),
    (
        "UA",
        "UA-65",
        "review",
        "Parts of the Kherson region are not government-controlled and are under sanctions: "
        "check that the address lies outside them.",
        f"{_EU_2022_263}; {_EO_14065}.",
    ),
]

# Every default, as (country, region, status, reason, legal basis).
DEFAULT_RULES: list[tuple[str, str, str, str, str]] = [
    *(
        (country, region, "blocked", reason, basis)
        for country, region, reason, basis in INITIAL_RULES
    ),
    *UKRAINE_2022_RULES,
]
