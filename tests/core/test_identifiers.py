from __future__ import annotations

import pytest

from apps.core import identifiers


@pytest.mark.parametrize(
    "isin", ["US0378331005", "US88160R1014", "IE00B4BNMY34", "US78462F1030", "us0378331005"]
)
def test_real_isins_are_accepted(isin):
    assert identifiers.check_isin(isin) == isin.upper()


@pytest.mark.parametrize(
    ("isin", "reason"),
    [
        ("US0378331006", "bad check digit"),
        ("US037833100", "is not an ISIN"),
        ("XX-378331005", "is not an ISIN"),
        ("US0378331105", "bad check digit"),
    ],
)
def test_bad_isins_are_refused_with_the_reason(isin, reason):
    with pytest.raises(ValueError, match=reason):
        identifiers.check_isin(isin)


def test_isin_with_valid_luhn_but_bad_cusip_is_refused():
    # Swapping two CUSIP characters can keep the ISIN digit valid; the CUSIP digit catches it.
    with pytest.raises(ValueError, match="check digit"):
        identifiers.check_isin("US0373831005")


def test_lei_check_digits():
    assert identifiers.check_lei("5493001KJTIIGC8Y1R12") == "5493001KJTIIGC8Y1R12"
    with pytest.raises(ValueError, match="bad check digits"):
        identifiers.check_lei("5493001KJTIIGC8Y1R13")


def test_evm_address_must_be_valid_eip55_when_mixed_case():
    good = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    assert identifiers.check_evm_address(good.lower()) == good
    assert identifiers.check_evm_address(good) == good
    with pytest.raises(ValueError, match="EIP-55"):
        identifiers.check_evm_address("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD")
    with pytest.raises(ValueError, match="not an EVM address"):
        identifiers.check_evm_address("0x1234")


def test_solana_mint_must_decode_to_32_bytes():
    mint = "So11111111111111111111111111111111111111112"
    assert identifiers.check_solana_address(mint) == mint
    with pytest.raises(ValueError, match="not a base58 character"):
        identifiers.check_solana_address("0OIl" + mint[4:])
    with pytest.raises(ValueError, match="not a Solana address"):
        identifiers.check_solana_address("abc")


def test_base58_round_trip():
    raw = bytes(range(32))
    assert identifiers.b58decode(identifiers.b58encode(raw)) == raw
    assert (
        identifiers.b58decode(identifiers.b58encode(b"\x00\x00" + raw[2:])) == b"\x00\x00" + raw[2:]
    )
