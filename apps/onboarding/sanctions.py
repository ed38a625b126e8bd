"""Reading consolidated sanctions lists and matching names against them.

Formats: OpenSanctions FollowTheMoney JSON lines (`entities.ftm.json`,
`targets.nested.json`), OpenSanctions `targets.simple.csv`, and OFAC's
`sdn.csv` (no header; "-0-" is empty; DOB, nationality and digital currency
addresses in the remarks, continued in `sdn_comments.csv`).
Parsing collects every problem with its line number; nothing is loaded while
any remains.

Digital currency addresses: OFAC writes them in the remarks as
"Digital Currency Address - <CODE> <address>;" (and "alt. ..."), any code; remarks
are cut at 1,000 characters in sdn.csv and go on in sdn_comments.csv, so the two are
joined with no separator before reading. OpenSanctions exports them as CryptoWallet
entities (publicKey or cryptoAddress, currency, holder), attached here to their holder
when the holder is in the file, or kept as an entry of their own.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TextIO

import numpy as np
import pycountry
from rapidfuzz import fuzz, process

from apps.core.identifiers import check_evm_address, check_solana_address

# FtM schemas that name a sanctioned party; others (Sanction, Address, …) are context.
PARTY_SCHEMAS = {"Person", "Organization", "Company", "LegalEntity", "Vessel", "Airplane"}
WALLET_SCHEMA = "CryptoWallet"
SIMPLE_CSV_HEADER = ["id", "schema", "name", "aliases", "birth_date", "countries"]
OFAC_COLUMNS = 12
OFAC_COMMENT_COLUMNS = 2  # ent_num, remarks continued
_OFAC_DOB = re.compile(r"DOB ([^;.]+)", re.IGNORECASE)
_OFAC_NATIONALITY = re.compile(r"nationality ([^;.]+)", re.IGNORECASE)
_OFAC_ALIAS = re.compile(r"a\.k\.a\. '([^']+)'", re.IGNORECASE)
# OFAC FAQ 563: "Digital Currency Address - " + the currency's code + the address. New codes
# appear without notice: any code is read.
_OFAC_ADDRESS = re.compile(r"Digital Currency Address - ([A-Z0-9]+) ([^\s;]+)")
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
_CURRENCY = re.compile(r"^[A-Z0-9]{1,16}$")
_EVM_SHAPE = re.compile(r"^0x[0-9a-fA-F]{40}$")
MAX_ADDRESS = 256  # characters (OFAC FAQ 563: "up to 256")
BECH32_PREFIXES = ("bc1", "tb1", "ltc1")  # case-insensitive by their format


class SanctionsFormatError(ValueError):
    """The file cannot be loaded; `problems` lists every one with its line."""

    def __init__(self, path: str, problems: list[str]) -> None:
        self.problems = problems
        shown = "\n".join(problems[:50])
        more = f"\n… and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{path}: {len(problems)} problem(s), nothing loaded:\n{shown}{more}")


@dataclass
class ParsedEntry:
    external_id: str
    name: str
    schema: str = ""
    aliases: list[str] = field(default_factory=list)
    birth_dates: list[str] = field(default_factory=list)
    nationalities: list[str] = field(default_factory=list)
    programs: str = ""
    # (currency code, address) as listed; the code may be "" (targets.simple.csv has none).
    addresses: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class ParsedList:
    format: str
    entries: list[ParsedEntry]
    # The newest change the file reports (FtM `last_change`), when it says.
    published_on: date | None = None


def classify_address(address: str) -> tuple[str, str, str]:
    """(kind, canonical form, match key) of a listed address, by its shape.

    Codes name a currency, not a chain (USDT is listed on Tron, Ethereum and Bitcoin), so
    the shape decides: 0x and 40 hex digits is EVM (EIP-55 form, matched lower-case on
    every EVM chain); base58 of 32 bytes is a Solana account (matched exactly); bech32 is
    matched lower-case; anything else exactly and never against a wallet.
    """
    if _EVM_SHAPE.match(address):
        canonical = check_evm_address(address.lower())
        return "evm", canonical, canonical.lower()
    try:
        check_solana_address(address)
    except ValueError:
        pass
    else:
        return "solana", address, address
    if address.lower().startswith(BECH32_PREFIXES):
        return "other", address.lower(), address.lower()
    return "other", address, address


def _address_problem(currency: str, address: str) -> str:
    if currency and not _CURRENCY.match(currency):
        return f"currency code {currency[:20]!r} is not 1-16 capital letters or digits"
    if not address or len(address) > MAX_ADDRESS or any(c.isspace() for c in address):
        return f"address {address[:40]!r} is empty, has spaces or is over {MAX_ADDRESS} characters"
    return ""


def fingerprint(entry: ParsedEntry) -> str:
    """SHA-256 of what the list says about an entry: a reload compares it to find changes."""
    canonical = json.dumps(
        [
            entry.schema,
            entry.name,
            entry.aliases,
            entry.birth_dates,
            entry.nationalities,
            entry.programs,
            sorted(entry.addresses),
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _country_code(value: str) -> str | None:
    value = value.strip()
    if not value:
        return None
    try:
        return pycountry.countries.lookup(value).alpha_2
    except LookupError:
        return None


def detect_format(path: Path, head: str) -> str:
    stripped = head.lstrip()
    if stripped.startswith("{"):
        return "ftm"
    first_line = stripped.splitlines()[0] if stripped else ""
    if first_line.lower().startswith("id,schema,name"):
        return "simple_csv"
    if first_line[:1].isdigit() or path.name.lower() == "sdn.csv":
        return "ofac_sdn"
    raise SanctionsFormatError(
        str(path),
        ["line 1: not an OpenSanctions FtM JSON-lines file, targets.simple.csv, or OFAC sdn.csv"],
    )


def _strings(values: object) -> list[str]:
    return [v for v in values if isinstance(v, str)] if isinstance(values, list) else []


def _wallet_address(props: dict) -> tuple[str, str]:
    """(currency, address) of a FtM CryptoWallet's properties."""
    keys = _strings(props.get("publicKey")) or _strings(props.get("cryptoAddress"))
    codes = _strings(props.get("currency")) or _strings(props.get("currencySymbol"))
    return (codes[0].strip().upper() if codes else ""), (keys[0].strip() if keys else "")


class _FtmState:
    """What FtM lines build up: parties, and wallets waiting for their holder."""

    def __init__(self) -> None:
        self.entries: list[ParsedEntry] = []
        self.by_id: dict[str, ParsedEntry] = {}
        # (line, wallet id, holder ids, currency, address)
        self.wallets: list[tuple[int, str, list[str], str, str]] = []
        self.newest: str = ""


def _parse_ftm_list(text: TextIO, problems: list[str]) -> ParsedList:
    state = _FtmState()
    for number, line in enumerate(text, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"line {number}: invalid JSON: {exc.msg}")
            continue
        if not isinstance(obj, dict):
            problems.append(f"line {number}: expected a JSON object")
            continue
        if obj.get("schema") == WALLET_SCHEMA:
            _ftm_wallet(obj, number, state, problems)
            continue
        if obj.get("schema") not in PARTY_SCHEMAS:
            continue
        props = obj.get("properties")
        if not obj.get("id") or not isinstance(props, dict):
            problems.append(f"line {number}: an entity needs an id and properties")
            continue
        names = [n for n in props.get("name", []) if isinstance(n, str) and n.strip()]
        if not names:
            problems.append(f"line {number}: entity {obj['id']} has no name")
            continue
        countries = props.get("nationality", []) or props.get("citizenship", [])
        entry = ParsedEntry(
            external_id=str(obj["id"])[:100],
            schema=obj["schema"],
            name=names[0][:500],
            aliases=names[1:] + list(props.get("alias", [])) + list(props.get("weakAlias", [])),
            birth_dates=list(props.get("birthDate", [])),
            nationalities=[c.upper() for c in countries if isinstance(c, str)],
            programs=";".join(props.get("program", []))[:500],
        )
        # targets.nested.json carries the party's wallets inline.
        for nested in props.get("cryptoWallets", []):
            if isinstance(nested, dict) and nested.get("schema") == WALLET_SCHEMA:
                nested_props = nested.get("properties")
                if not isinstance(nested_props, dict):
                    problems.append(f"line {number}: a nested CryptoWallet has no properties")
                    continue
                currency, address = _wallet_address(nested_props)
                problem = _address_problem(currency, address)
                if problem:
                    problems.append(f"line {number}: wallet of {obj['id']}: {problem}")
                    continue
                entry.addresses.append((currency, address))
        state.entries.append(entry)
        state.by_id[entry.external_id] = entry
        _note_change(obj, state)
    _attach_wallets(state, problems)
    published = None
    if state.newest:
        try:
            published = date.fromisoformat(state.newest[:10])
        except ValueError:
            published = None
    return ParsedList("ftm", state.entries, published)


def _note_change(obj: dict, state: _FtmState) -> None:
    changed = obj.get("last_change")
    if isinstance(changed, str) and changed > state.newest:
        state.newest = changed[:32]


def _ftm_wallet(obj: dict, number: int, state: _FtmState, problems: list[str]) -> None:
    props = obj.get("properties")
    if not obj.get("id") or not isinstance(props, dict):
        problems.append(f"line {number}: an entity needs an id and properties")
        return
    currency, address = _wallet_address(props)
    problem = _address_problem(currency, address)
    if problem:
        problems.append(f"line {number}: CryptoWallet {str(obj['id'])[:40]}: {problem}")
        return
    holders = [h for h in _strings(props.get("holder")) if h]
    state.wallets.append((number, str(obj["id"])[:100], holders, currency, address))
    _note_change(obj, state)


def _attach_wallets(state: _FtmState, problems: list[str]) -> None:
    """Each wallet joins its holder's entry; a wallet whose holder is not in the file is an
    entry of its own (schema CryptoWallet, named by its address, never matched by name)."""
    for _number, wallet_id, holders, currency, address in state.wallets:
        holder = next((state.by_id[h] for h in holders if h in state.by_id), None)
        if holder is not None:
            if (currency, address) not in holder.addresses:
                holder.addresses.append((currency, address))
            continue
        standalone = state.by_id.get(wallet_id)
        if standalone is None:
            standalone = ParsedEntry(
                external_id=wallet_id,
                schema=WALLET_SCHEMA,
                name=address[:500],
                programs=("holder " + ", ".join(holders))[:500] if holders else "",
            )
            state.entries.append(standalone)
            state.by_id[wallet_id] = standalone
        standalone.addresses.append((currency, address))


def _parse_simple_csv(text: TextIO, problems: list[str]) -> list[ParsedEntry]:
    reader = csv.DictReader(text)
    missing = [c for c in SIMPLE_CSV_HEADER if c not in (reader.fieldnames or [])]
    if missing:
        problems.append(f"line 1: missing column(s) {', '.join(missing)}")
        return []
    entries: list[ParsedEntry] = []
    for row in reader:
        number = reader.line_num
        if None in row:
            problems.append(f"line {number}: more fields than the header")
            continue
        if not row["id"] or not row["name"]:
            problems.append(f"line {number}: id and name are required")
            continue
        if row["schema"] == WALLET_SCHEMA:
            # The row's name is the wallet's address; the file has no currency or holder.
            address = row["name"].strip()
            problem = _address_problem("", address)
            if problem:
                problems.append(f"line {number}: CryptoWallet {row['id'][:40]}: {problem}")
                continue
            entries.append(
                ParsedEntry(
                    external_id=row["id"][:100],
                    schema=WALLET_SCHEMA,
                    name=address[:500],
                    programs=(row.get("sanctions") or "")[:500],
                    addresses=[("", address)],
                )
            )
            continue
        if row["schema"] and row["schema"] not in PARTY_SCHEMAS:
            continue
        split = lambda v: [x.strip() for x in (v or "").split(";") if x.strip()]  # noqa: E731
        entries.append(
            ParsedEntry(
                external_id=row["id"][:100],
                schema=row["schema"],
                name=row["name"][:500],
                aliases=split(row["aliases"]),
                birth_dates=split(row["birth_date"]),
                nationalities=[c.upper() for c in split(row["countries"])],
                programs=(row.get("sanctions") or "")[:500],
            )
        )
    return entries


def _parse_ofac(
    text: TextIO, problems: list[str], comments: dict[str, str] | None = None
) -> list[ParsedEntry]:
    entries: list[ParsedEntry] = []
    reader = csv.reader(text)
    for row in reader:
        number = reader.line_num
        if not row or (len(row) == 1 and not row[0].strip()) or row[0].strip() == "\x1a":
            continue  # blank lines and the DOS end-of-file mark OFAC ships
        if len(row) != OFAC_COLUMNS:
            problems.append(f"line {number}: expected {OFAC_COLUMNS} columns, found {len(row)}")
            continue
        values = ["" if v.strip() == "-0-" else v.strip() for v in row]
        ent_num, name, sdn_type, program = values[0], values[1], values[2], values[3]
        # The remarks go on in sdn_comments.csv, cut anywhere (even inside an address).
        remarks = ("" if row[11].strip() == "-0-" else row[11]) + (comments or {}).get(
            values[0], ""
        )
        if not ent_num.isdigit():
            problems.append(f"line {number}: ent_num {ent_num!r} is not a number")
            continue
        if not name:
            problems.append(f"line {number}: SDN_Name is empty")
            continue
        nationalities = []
        for match in _OFAC_NATIONALITY.findall(remarks):
            code = _country_code(match)
            if code:
                nationalities.append(code)
        addresses: list[tuple[str, str]] = []
        for code, raw in _OFAC_ADDRESS.findall(remarks):
            address = raw.rstrip(".,")
            problem = _address_problem(code, address)
            if problem:
                problems.append(f"line {number}: ent_num {ent_num}: {problem}")
            elif (code, address) not in addresses:
                addresses.append((code, address))
        entries.append(
            ParsedEntry(
                external_id=ent_num,
                schema="Person" if sdn_type.lower() == "individual" else (sdn_type or "Entity"),
                name=name[:500],
                aliases=_OFAC_ALIAS.findall(remarks),
                birth_dates=[d.strip() for d in _OFAC_DOB.findall(remarks)],
                nationalities=nationalities,
                programs=program[:500],
                addresses=addresses,
            )
        )
    return entries


def _read_ofac_comments(path: Path, problems: list[str]) -> dict[str, str]:
    """sdn_comments.csv: ent_num -> the remarks' continuation (several rows are joined)."""
    for encoding in ("utf-8-sig", "latin-1"):
        try:
            with path.open(encoding=encoding, newline="") as text:
                found: dict[str, str] = {}
                reader = csv.reader(text)
                for row in reader:
                    number = reader.line_num
                    if not row or (len(row) == 1 and row[0].strip() in {"", "\x1a"}):
                        continue
                    if len(row) != OFAC_COMMENT_COLUMNS or not row[0].strip().isdigit():
                        problems.append(
                            f"{path.name} line {number}: expected ent_num and remarks, "
                            f"found {len(row)} column(s)"
                        )
                        continue
                    found[row[0].strip()] = found.get(row[0].strip(), "") + row[1]
                return found
        except UnicodeDecodeError:
            continue
    return {}


def _parse_with(
    path: Path, encoding: str, comments: dict[str, str] | None
) -> tuple[ParsedList, list[str]]:
    # Streamed line by line: lists of several hundred MB are never held as text.
    with path.open(encoding=encoding, newline="") as text:
        fmt = detect_format(path, text.read(2000))
        text.seek(0)  # resets the codec too, so a UTF-8 BOM is skipped again
        problems: list[str] = []
        if fmt == "ftm":
            return _parse_ftm_list(text, problems), problems
        if fmt == "simple_csv":
            return ParsedList(fmt, _parse_simple_csv(text, problems)), problems
        return ParsedList(fmt, _parse_ofac(text, problems, comments)), problems


def parse_file(path: Path, *, comments_path: Path | None = None) -> ParsedList:
    """The whole list, or SanctionsFormatError naming every problem.

    `comments_path` is OFAC's sdn_comments.csv (only with sdn.csv): an ent_num it names
    that sdn.csv does not have is a problem, as the two files must be of one release.
    """
    comment_problems: list[str] = []
    try:
        comments = _read_ofac_comments(comments_path, comment_problems) if comments_path else {}
        try:
            parsed, problems = _parse_with(path, "utf-8-sig", comments)
        except UnicodeDecodeError:
            # OFAC publishes Windows-1252/Latin-1 text.
            parsed, problems = _parse_with(path, "latin-1", comments)
    except OSError as exc:
        raise SanctionsFormatError(str(path), [f"cannot read: {exc.strerror}"]) from exc
    problems = comment_problems + problems
    if comments_path and parsed.format != "ofac_sdn":
        problems.append(f"{comments_path.name}: comments go only with OFAC's sdn.csv")
    seen: set[str] = set()
    for entry in parsed.entries:
        if entry.external_id in seen:
            problems.append(f"id {entry.external_id}: appears more than once")
        seen.add(entry.external_id)
    unknown = sorted(set(comments) - seen, key=int)
    if unknown and parsed.format == "ofac_sdn":
        problems.append(
            f"{comments_path.name if comments_path else 'comments'}: ent_num "
            f"{', '.join(unknown[:5])} not in {path.name} (files of different releases?)"
        )
    if not problems and not parsed.entries:
        problems.append("no sanctioned party found in the file")
    if problems:
        raise SanctionsFormatError(str(path), problems)
    return parsed


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):  # 1 MiB reads
            digest.update(block)
    return digest.hexdigest()


def normalize_name(value: str) -> str:
    """Case, accents and punctuation removed: 'Müller-Lüdenscheidt, Hans' -> 'muller …'."""
    decomposed = unicodedata.normalize("NFKD", value)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^\w\s]", " ", plain).split())


@dataclass(frozen=True)
class Candidate:
    entry_id: int
    name: str
    birth_dates: tuple[str, ...]
    nationalities: tuple[str, ...]
    normalized: str = ""  # normalize_name(name), when computed in advance


@dataclass(frozen=True)
class Match:
    entry_id: int
    matched_name: str
    name_score: float
    score: float


def _years(values: tuple[str, ...]) -> set[int]:
    return {int(y) for v in values for y in _YEAR.findall(v)}


def _adjusted(
    name_score: float, candidate: Candidate, date_of_birth: date | None, nationalities: set[str]
) -> float:
    """The name score moved by birth year (+10 same, -20 other) and nationality (+5 shared,
    -5 listed but disjoint), within 0-100."""
    score = float(name_score)
    listed_years = _years(candidate.birth_dates)
    if listed_years and date_of_birth is not None:
        score += 10 if date_of_birth.year in listed_years else -20
    listed = {n.upper() for n in candidate.nationalities}
    if listed and nationalities:
        score += 5 if listed & nationalities else -5
    return max(0.0, min(100.0, score))


def score_candidates(
    *,
    name: str,
    date_of_birth: date | None,
    nationalities: set[str],
    candidates: list[Candidate],
    threshold: float,
) -> list[Match]:
    """Best match per entry whose score reaches the threshold, best first.

    The name score is rapidfuzz's token_sort_ratio on normalised names (word order
    ignored). A listed birth year equal to the declared one adds 10, a different
    one takes 20 off; a shared nationality adds 5, listed but disjoint takes 5 off.
    """
    query = normalize_name(name)
    choices = [c.normalized or normalize_name(c.name) for c in candidates]
    # A generous first cut on the name alone; the adjustments add at most 15.
    cut = max(0.0, threshold - 15)
    best: dict[int, Match] = {}
    for _choice, name_score, index in process.extract(
        query, choices, scorer=fuzz.token_sort_ratio, score_cutoff=cut, limit=None
    ):
        candidate = candidates[index]
        score = _adjusted(name_score, candidate, date_of_birth, nationalities)
        if score < threshold:
            continue
        previous = best.get(candidate.entry_id)
        if previous is None or score > previous.score:
            best[candidate.entry_id] = Match(
                candidate.entry_id, candidate.name, round(float(name_score), 1), round(score, 1)
            )
    return sorted(best.values(), key=lambda m: -m.score)


# Matching many names against many (re-screening): names are put in blocks by the first
# BLOCK_PREFIX letters of each of their words, and only names that share a block are
# scored, a block at a time with rapidfuzz's cdist (C++, every core). Two names whose words
# all begin differently are never compared: a score of 70+ (the first cut below an 85
# threshold) between such names is rare (initials are not blocked on).
BLOCK_PREFIX = 2  # letters
# Largest score matrix computed at once, in cells of 4 bytes (float32): 16 MB.
MATRIX_CELLS = 4_000_000


@dataclass(frozen=True)
class Query:
    """A name to screen: `key` is the caller's (a case id)."""

    key: int
    name: str
    date_of_birth: date | None
    nationalities: frozenset[str]
    normalized: str = ""


def _sorted_words(normalized: str) -> str:
    return " ".join(sorted(normalized.split()))


def _blocks(normalized: str) -> set[str]:
    return {word[:BLOCK_PREFIX] for word in normalized.split() if len(word) >= BLOCK_PREFIX}


def match_many(
    *, queries: list[Query], candidates: list[Candidate], threshold: float
) -> dict[int, list[Match]]:
    """{query key: best match per entry at or above the threshold, best first}.

    The same scores as score_candidates, for the pairs blocking keeps; time grows with
    the pairs that share a block, not with queries x candidates.
    """
    cut = max(1.0, threshold - 15)
    # token_sort_ratio(a, b) is ratio(a', b') on the words of a and b sorted: sorted once
    # here, each pair is then a plain (bit-parallel) ratio, the same score at a third of
    # the cost.
    query_names = [_sorted_words(q.normalized or normalize_name(q.name)) for q in queries]
    choice_names = [_sorted_words(c.normalized or normalize_name(c.name)) for c in candidates]
    by_block: dict[str, list[int]] = {}
    for j, choice in enumerate(choice_names):
        for block in _blocks(choice):
            by_block.setdefault(block, []).append(j)
    query_blocks: dict[str, list[int]] = {}
    for i, name in enumerate(query_names):
        for block in _blocks(name):
            if block in by_block:
                query_blocks.setdefault(block, []).append(i)
    pairs: dict[tuple[int, int], float] = {}
    for block, rows in query_blocks.items():
        columns = by_block[block]
        choices = [choice_names[j] for j in columns]
        step = max(1, MATRIX_CELLS // len(columns))
        for start in range(0, len(rows), step):
            chunk = rows[start : start + step]
            matrix = process.cdist(
                [query_names[i] for i in chunk],
                choices,
                scorer=fuzz.ratio,
                score_cutoff=cut,
                dtype=np.float32,
                workers=-1,
            )
            for r, c in zip(*np.nonzero(matrix), strict=True):
                pairs[(chunk[r], columns[c])] = float(matrix[r, c])
    found: dict[int, dict[int, Match]] = {}
    for (i, j), name_score in pairs.items():
        query, candidate = queries[i], candidates[j]
        score = _adjusted(name_score, candidate, query.date_of_birth, set(query.nationalities))
        if score < threshold:
            continue
        best = found.setdefault(query.key, {})
        previous = best.get(candidate.entry_id)
        if previous is None or score > previous.score:
            best[candidate.entry_id] = Match(
                candidate.entry_id, candidate.name, round(name_score, 1), round(score, 1)
            )
    return {key: sorted(m.values(), key=lambda m: -m.score) for key, m in found.items()}
