"""Pinyin initials of firm names, so officers can type "kpsccdqc" for 开平市长城电器厂.

Each character is read on its own, never by word segmentation (which reads 开平市长城 as
市长 "mayor" + 城). A polyphonic character contributes every reading in use: the one
pypinyin lists first for it, and those its phrase dictionary uses in some word (长: cháng,
zhǎng; 行: xíng, háng), not the archaic ones a dictionary also lists (有 wěi, 市 fú), which
would multiply every name's readings and match nonsense. Latin letters and digits are kept
as they are ("ABB" stays "abb", "2号" is "2h"); punctuation and brackets, full- or
half-width, are dropped, so （江门）恒力 reads "jmhl".

A name's readings are stored in one column, separated by a space, the most common one
first and then those that differ from it in one character, then two, and so on, up to
MAX_READINGS (and the column's width). When a name has more readings than that, the one
pypinyin's word segmentation gives comes second, so the reading in context (重庆银行:
chóng, háng) is kept too. A search is lower-case Latin letters and digits only, so it
never contains the separator and cannot match across two readings.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Sequence
from functools import cache
from itertools import combinations, product

SEPARATOR = " "
# 16 readings: every single-character alternative of a name with up to 15 polyphonic
# characters, or every combination of four two-reading ones. Few names have more than
# two polyphonic characters once archaic readings are left out.
MAX_READINGS = 16
# The width of Enterprise.name_initials: 16 readings of a name of 60 letters and digits.
MAX_LENGTH = 1000

# {character: its initials, most common first}; () for what is dropped.
_ALTERNATIVES: dict[str, tuple[str, ...]] = {}


def name_initials(name: str | None) -> str:
    """The search readings of a name, as stored in Enterprise.name_initials:
    '开平市长城电器厂' -> 'kpsccdqc kpszcdqc', 'ABB（江门）工业' -> 'abbjmgy'."""
    text = unicodedata.normalize("NFKC", name or "")  # full-width Ａ１ read as A1
    positions = [found for char in text if (found := _alternatives(char))]
    if not positions:
        return ""
    length = len(positions)
    if length >= MAX_LENGTH:
        return "".join(found[0] for found in positions)[:MAX_LENGTH]
    room = min(MAX_READINGS, (MAX_LENGTH + len(SEPARATOR)) // (length + len(SEPARATOR)))
    readings: dict[str, None] = {}  # ordered, distinct
    candidates = _readings(positions)
    readings[next(candidates)] = None
    if _more_than(positions, room):
        readings[_segmented(text)] = None
    for reading in candidates:
        if len(readings) >= room:
            break
        readings[reading] = None
    return SEPARATOR.join(list(readings)[:room])


def search_initials(query: str) -> str:
    """The part of a search that can match the readings: lower-case Latin letters and digits,
    without spaces and punctuation ('（JM）hl' -> 'jmhl'); '' when the search holds anything
    else (Chinese characters are matched against the name itself)."""
    text = "".join(char for char in unicodedata.normalize("NFKC", query).lower() if char.isalnum())
    return text if text.isascii() else ""


def _readings(positions: Sequence[tuple[str, ...]]) -> Iterator[str]:
    """Every reading, the most common first, then those differing from it in 1, 2, … characters."""
    common = [found[0] for found in positions]
    yield "".join(common)
    polyphonic = [index for index, found in enumerate(positions) if len(found) > 1]
    for changed in range(1, len(polyphonic) + 1):
        for where in combinations(polyphonic, changed):
            for letters in product(*(positions[index][1:] for index in where)):
                reading = common.copy()
                for index, letter in zip(where, letters):
                    reading[index] = letter
                yield "".join(reading)


def _more_than(positions: Sequence[tuple[str, ...]], count: int) -> bool:
    """True if the positions have more than `count` combinations."""
    total = 1
    for found in positions:
        total *= len(found)
        if total > count:
            return True
    return False


def _segmented(text: str) -> str:
    """The reading word segmentation gives, aligned with name_initials' positions (each
    character's most common reading where segmentation gives none)."""
    from pypinyin import Style, lazy_pinyin

    letters: list[str] = []
    run: list[str] = []

    def close_run() -> None:
        if not run:
            return
        read = lazy_pinyin("".join(run), style=Style.FIRST_LETTER, errors="ignore")
        if len(read) != len(run):  # a character it cannot read: its positions would shift
            read = [_alternatives(char)[0] for char in run]
        letters.extend((r[:1].lower() or _alternatives(char)[0]) for r, char in zip(read, run))
        run.clear()

    for char in text:
        found = _alternatives(char)
        if not found:
            continue
        if char.isascii():
            close_run()
            letters.append(found[0])
        else:
            run.append(char)
    close_run()
    return "".join(letters)


def _alternatives(char: str) -> tuple[str, ...]:
    found = _ALTERNATIVES.get(char)
    if found is None:
        found = _ALTERNATIVES[char] = _look_up(char)
    return found


def _look_up(char: str) -> tuple[str, ...]:
    """A character's distinct initials, the most used first: '长' -> ('c', 'z'), 'A' -> ('a',),
    '（' -> ()."""
    if char.isascii():
        return (char.lower(),) if char.isalnum() else ()
    from pypinyin.constants import PINYIN_DICT

    listed = PINYIN_DICT.get(ord(char))
    if not listed:
        return ()  # punctuation, symbols, letters of other scripts
    first = _initial(listed.split(",")[0])
    used = _phrase_initials().get(char, {})
    return tuple(sorted({first, *used}, key=lambda letter: (-used.get(letter, 0), letter != first)))


def _initial(reading: str) -> str:
    """The first letter of a reading, without its tone mark: 'ǎn' -> 'a'."""
    return unicodedata.normalize("NFD", reading)[0].lower()


@cache
def _phrase_initials() -> dict[str, dict[str, int]]:
    """{character: {initial: how many of pypinyin's phrases read it so}} (built once, ~0.2 s)."""
    from pypinyin.constants import PHRASES_DICT

    counts: dict[str, dict[str, int]] = {}
    for phrase, readings in PHRASES_DICT.items():
        for char, options in zip(phrase, readings):
            per_char = counts.setdefault(char, {})
            for letter in {_initial(option) for option in options if option}:
                per_char[letter] = per_char.get(letter, 0) + 1
    return counts
