"""Reading consolidated sanctions lists and matching names against them.

Formats: OpenSanctions FollowTheMoney JSON lines (`entities.ftm.json`,
`targets.nested.json`), OpenSanctions `targets.simple.csv`, and OFAC's
`sdn.csv` (no header; "-0-" is empty; DOB and nationality in the remarks).
Parsing collects every problem with its line number; nothing is loaded while
any remains.
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

import pycountry
from rapidfuzz import fuzz, process

# FtM schemas that name a sanctioned party; others (Sanction, Address, …) are context.
PARTY_SCHEMAS = {"Person", "Organization", "Company", "LegalEntity", "Vessel", "Airplane"}
SIMPLE_CSV_HEADER = ["id", "schema", "name", "aliases", "birth_date", "countries"]
OFAC_COLUMNS = 12
_OFAC_DOB = re.compile(r"DOB ([^;.]+)", re.IGNORECASE)
_OFAC_NATIONALITY = re.compile(r"nationality ([^;.]+)", re.IGNORECASE)
_OFAC_ALIAS = re.compile(r"a\.k\.a\. '([^']+)'", re.IGNORECASE)
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")


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


def _parse_ftm(text: TextIO, problems: list[str]) -> list[ParsedEntry]:
    entries: list[ParsedEntry] = []
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
        entries.append(
            ParsedEntry(
                external_id=str(obj["id"])[:100],
                schema=obj["schema"],
                name=names[0][:500],
                aliases=names[1:] + list(props.get("alias", [])) + list(props.get("weakAlias", [])),
                birth_dates=list(props.get("birthDate", [])),
                nationalities=[c.upper() for c in countries if isinstance(c, str)],
                programs=";".join(props.get("program", []))[:500],
            )
        )
    return entries


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


def _parse_ofac(text: TextIO, problems: list[str]) -> list[ParsedEntry]:
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
        ent_num, name, sdn_type, program, remarks = (
            values[0],
            values[1],
            values[2],
            values[3],
            values[11],
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
        entries.append(
            ParsedEntry(
                external_id=ent_num,
                schema="Person" if sdn_type.lower() == "individual" else (sdn_type or "Entity"),
                name=name[:500],
                aliases=_OFAC_ALIAS.findall(remarks),
                birth_dates=[d.strip() for d in _OFAC_DOB.findall(remarks)],
                nationalities=nationalities,
                programs=program[:500],
            )
        )
    return entries


def _parse_with(path: Path, encoding: str) -> tuple[str, list[ParsedEntry], list[str]]:
    # Streamed line by line: lists of several hundred MB are never held as text.
    with path.open(encoding=encoding, newline="") as text:
        fmt = detect_format(path, text.read(2000))
        text.seek(0)  # resets the codec too, so a UTF-8 BOM is skipped again
        problems: list[str] = []
        parser = {"ftm": _parse_ftm, "simple_csv": _parse_simple_csv, "ofac_sdn": _parse_ofac}
        return fmt, parser[fmt](text, problems), problems


def parse_file(path: Path) -> tuple[str, list[ParsedEntry]]:
    """(format, entries) or SanctionsFormatError naming every problem."""
    try:
        try:
            fmt, entries, problems = _parse_with(path, "utf-8-sig")
        except UnicodeDecodeError:
            # OFAC publishes Windows-1252/Latin-1 text.
            fmt, entries, problems = _parse_with(path, "latin-1")
    except OSError as exc:
        raise SanctionsFormatError(str(path), [f"cannot read: {exc.strerror}"]) from exc
    seen: set[str] = set()
    for entry in entries:
        if entry.external_id in seen:
            problems.append(f"id {entry.external_id}: appears more than once")
        seen.add(entry.external_id)
    if not problems and not entries:
        problems.append("no sanctioned party found in the file")
    if problems:
        raise SanctionsFormatError(str(path), problems)
    return fmt, entries


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
        score = float(name_score)
        listed_years = _years(candidate.birth_dates)
        if listed_years and date_of_birth is not None:
            score += 10 if date_of_birth.year in listed_years else -20
        listed = {n.upper() for n in candidate.nationalities}
        if listed and nationalities:
            score += 5 if listed & nationalities else -5
        score = max(0.0, min(100.0, score))
        if score < threshold:
            continue
        previous = best.get(candidate.entry_id)
        if previous is None or score > previous.score:
            best[candidate.entry_id] = Match(
                candidate.entry_id, candidate.name, round(float(name_score), 1), round(score, 1)
            )
    return sorted(best.values(), key=lambda m: -m.score)
