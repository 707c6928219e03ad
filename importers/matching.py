"""Which firm a list row names: one function for every list kind and the web preview.

A row names its firm by 统一社会信用代码 when it has one, else by name: the exact
name, then the name normalised (NFKC, so full- and half-width brackets and digits
agree; all whitespace removed), then a former name (曾用名) normalised the same
way. No match, or more than one firm, rejects the row with a message that says
which name and why. Nothing fuzzier decides by itself — a wrong match is worse
than none: :func:`close_names` only suggests names for a person to pick, and a
pick applies to one row of one batch.

Matching is set-based: every firm's code, name and former names are read once into
dictionaries (:class:`FirmIndex`), so a row costs one normalisation and a few lookups.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from importers.lists import OTHER_GUANGDONG_CITIES


def normalise_name(name: str) -> str:
    """A firm name as names are compared: NFKC (full-width brackets, digits and letters to
    half-width) with all whitespace and invisible format characters (zero-width spaces and
    joiners, a byte-order mark: Unicode category Cf) removed."""
    return _FORMAT_CHARS.sub("", "".join(unicodedata.normalize("NFKC", name).split()))


# Unicode's format characters (category Cf), which a name copied from a web page or a PDF
# may carry unseen; the test checks this against unicodedata.
_FORMAT_CHARS = re.compile(
    "[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]"
)


class Firm(NamedTuple):
    """What matching and the writers need of a firm (``normal``: its name normalised)."""

    id: int
    uscc: str
    name: str
    district_code: str
    normal: str


@dataclass(frozen=True)
class Match:
    """The firm a row names (``firm``), how it was found, or why none was (``problem``)."""

    firm: Firm | None
    how: str = ""  # "code", "name", "normalised", "former", "picked"
    problem: str | None = None


@dataclass
class FirmIndex:
    """Every firm by code, exact name, normalised name and normalised former name (the name
    tables hold firm ids; :attr:`by_id` holds each firm as it is now)."""

    by_id: dict[int, Firm] = field(default_factory=dict)
    by_code: dict[str, int] = field(default_factory=dict)
    by_name: dict[str, list[int]] = field(default_factory=dict)
    by_normal: dict[str, list[int]] = field(default_factory=dict)
    by_former: dict[str, list[int]] = field(default_factory=dict)

    @classmethod
    def build(cls, firms: Iterable[tuple[int, str, str, str]],
              former_names: Iterable[tuple[int, str]] = ()) -> FirmIndex:
        """From ``(id, uscc, name, district_code)`` rows and ``(enterprise_id, former name)`` rows."""
        index = cls()
        add = index.add
        for firm_id, uscc, name, district in firms:
            add(Firm(firm_id, uscc, name, district, normalise_name(name)))
        for firm_id, name in former_names:
            index.add_former(firm_id, name)
        return index

    def add(self, firm: Firm) -> None:
        self.by_id[firm.id] = firm
        self.by_code[firm.uscc] = firm.id
        self.by_name.setdefault(firm.name, []).append(firm.id)
        self.by_normal.setdefault(firm.normal, []).append(firm.id)

    def add_former(self, firm_id: int, name: str) -> None:
        if firm_id not in self.by_id:
            return
        found = self.by_former.setdefault(normalise_name(name), [])
        if firm_id not in found:
            found.append(firm_id)

    def named(self, normal: str) -> list[Firm]:
        """The firms whose current name normalises to ``normal``."""
        return [self.by_id[i] for i in self.by_normal.get(normal, ())]

    def rename(self, firm: Firm, new_name: str, new_normal: str | None = None) -> Firm:
        """Record a rename made by the batch, so later rows find the firm by either name."""
        current = self.by_id[firm.id]
        for table, key in ((self.by_name, current.name), (self.by_normal, current.normal)):
            ids = table.get(key, [])
            if firm.id in ids:
                ids.remove(firm.id)
        renamed = current._replace(name=new_name, normal=new_normal or normalise_name(new_name))
        self.by_id[firm.id] = renamed
        self.by_name.setdefault(new_name, []).append(firm.id)
        self.by_normal.setdefault(renamed.normal, []).append(firm.id)
        found = self.by_former.setdefault(current.normal, [])
        if firm.id not in found:
            found.append(firm.id)
        return renamed

    def match(self, uscc: str | None, name: str | None, pick: int | None = None, normal: str | None = None) -> Match:
        """The firm a row names (see the module docstring). ``pick`` is a person's explicit
        choice for this row (a firm id), which stands when that firm exists; ``normal`` the
        name normalised, when the caller has it already."""
        if pick is not None:
            firm = self.by_id.get(pick)
            if firm is not None:
                return Match(firm, "picked")
            return Match(None, problem="人工选择的企业已不存在，请重新选择")
        if uscc:
            found_id = self.by_code.get(uscc)
            if found_id is None:
                return Match(None, problem=f"系统中没有统一社会信用代码为{uscc}的企业；请先导入或新增该企业")
            firm = self.by_id[found_id]
            if name:
                others = self._by_name(name)
                if others and firm.id not in others and firm.id not in self.by_former.get(normalise_name(name), ()):
                    named = "、".join(f"{o.name}（{o.uscc}）" for o in map(self.by_id.__getitem__, others[:3]))
                    return Match(None, problem=f"统一社会信用代码{uscc}是「{firm.name}」，但名称「{name}」是{named}："
                                               "代码与名称指向不同的企业，请核对")
            return Match(firm, "code")
        if not name:
            return Match(None, problem="缺少企业名称或统一社会信用代码")
        exact = self.by_name.get(name) or None
        if exact is None and normal is None:  # most rows name their firm exactly
            normal = normalise_name(name)
        for how, found in (("name", exact), ("normalised", self.by_normal.get(normal or "")),
                           ("former", self.by_former.get(normal or ""))):
            if not found:
                continue
            if len(found) == 1:
                return Match(self.by_id[found[0]], how)
            firms = "、".join(f"{f.name}（{f.uscc}）" for f in map(self.by_id.__getitem__, found[:5]))
            what = "曾用名" if how == "former" else "名称"
            return Match(None, problem=f"「{name}」与{len(found)}家企业的{what}相同（{firms}），无法确定是哪一家；"
                                       "请在表中填写统一社会信用代码")
        hint = ""
        if any(normalise_name(name).startswith(city) for city in OTHER_GUANGDONG_CITIES):
            hint = "；名称以外市地名开头，可能是外市企业"
        return Match(None, problem=f"系统中没有名为「{name}」的企业（按名称、去除空格和全半角差异后的名称、"
                                   f"曾用名均未找到）{hint}")

    def _by_name(self, name: str) -> list[int]:
        return self.by_name.get(name) or self.by_normal.get(normalise_name(name)) or []


class Suggestions:
    """Firms whose names are close to a name a list gives, for a person to pick from in the
    preview — never a match by themselves. Names are compared by the character pairs they
    share (pairs that most names have, such as 有限 or 公司, are left out), then ranked by
    :class:`difflib.SequenceMatcher`. The pair index is built on first use."""

    def __init__(self, index: FirmIndex, common_share: float = 0.02) -> None:
        self.index = index
        self.common_share = common_share
        self._postings: dict[str, list[str]] | None = None

    def _build(self) -> dict[str, list[str]]:
        postings: dict[str, list[str]] = {}
        for key in self.index.by_normal:
            for pair in {key[i : i + 2] for i in range(len(key) - 1)}:
                postings.setdefault(pair, []).append(key)
        limit = max(50, int(len(self.index.by_normal) * self.common_share))
        return {pair: keys for pair, keys in postings.items() if len(keys) <= limit}

    def close_to(self, name: str, district: str | None = None, limit: int = 5) -> list[Firm]:
        """Up to ``limit`` firms (of ``district`` when given) with names close to ``name``, best first."""
        import difflib

        if self._postings is None:
            self._postings = self._build()
        normal = normalise_name(name)
        pairs = {normal[i : i + 2] for i in range(len(normal) - 1)}
        shared: dict[str, int] = {}
        for pair in pairs:
            for key in self._postings.get(pair, ()):
                shared[key] = shared.get(key, 0) + 1
        best = sorted(shared, key=lambda k: -shared[k])[:200]
        scored: list[tuple[float, Firm]] = []
        for key in best:
            ratio = difflib.SequenceMatcher(None, normal, key).ratio()
            if ratio < 0.5:
                continue
            scored.extend((ratio, f) for f in self.index.named(key) if district is None or f.district_code == district)
        scored.sort(key=lambda item: (-item[0], item[1].name))
        return [firm for _ratio, firm in scored[:limit]]


def picks_from(raw: Mapping[str, object] | None) -> dict[tuple[str, int], int]:
    """A batch's picks as stored (``{"sheet|row": firm id}``) keyed by (sheet, row)."""
    picks: dict[tuple[str, int], int] = {}
    for key, value in (raw or {}).items():
        sheet, _bar, row = str(key).rpartition("|")
        try:
            picks[(sheet, int(row))] = int(value)  # type: ignore[call-overload]
        except (TypeError, ValueError):
            continue
    return picks
