"""How a firm's innovation portrait reads on a page: the round it comes from, values with their
units, stars, and the figures its charts draw (templates/innovation/_portrait.html).

The officer's firm page and the portal show the same portrait; the portal reads published
rounds only. Both read the firm's whole history in one query and the round's scheme in a
second, so the portrait costs the page two queries whatever the number of firms.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _

from crm.eligibility.display import figure_text
from crm.innovation.scheme import STAGES
from crm.innovation.services import Portrait, PortraitLine, firm_history, latest_round, portrait
from crm.models import InnovationRound, InnovationScore


def stars_text(stars: int | None) -> str:
    """★★★ for three stars; empty when the firm earned none."""
    return "★" * stars if stars else ""


def value_text(line: PortraitLine) -> str:
    """The measured value with its unit (a share as a percentage); "—" when not computable."""
    if line.value is None:
        return "—"
    return figure_text(Decimal(line.value), line.unit)


def points_text(points: Decimal) -> str:
    return f"{points:.2f}"


def weight_text(weight: Decimal) -> str:
    """A weight as written in the scheme: 10, 7.5."""
    return f"{weight.normalize():f}"


def round_label(round_: InnovationRound) -> str:
    return _("第 %(n)s 轮（%(year)s 年度）", n=round_.id, year=round_.fiscal_year)


def rank_text(score: InnovationScore) -> str:
    return _("第 %(rank)s 名 / %(size)s 家", rank=score.rank, size=score.cohort_size)


@dataclass(frozen=True)
class FirmPortrait:
    """A firm's innovation points as its page shows them: the latest round that has the firm,
    its portrait there (None when not scored), and its result in every round, oldest first."""

    history: list[tuple[InnovationRound, InnovationScore]]
    round: InnovationRound | None
    score: InnovationScore | None
    portrait: Portrait | None
    any_round: bool            # whether any (published, for the portal) round exists at all

    stars_text = staticmethod(stars_text)
    value_text = staticmethod(value_text)
    points_text = staticmethod(points_text)
    weight_text = staticmethod(weight_text)
    round_label = staticmethod(round_label)
    rank_text = staticmethod(rank_text)

    @property
    def stage_label(self) -> str:
        return STAGES.get(self.score.stage or "", "") if self.score is not None else ""

    @property
    def cohort_label(self) -> str:
        if self.round is None or self.score is None or self.score.cohort is None:
            return ""
        cohort = self.round.cohort(self.score.cohort)
        return cohort["label"] if cohort else self.score.cohort

    @property
    def cohort_note(self) -> str | None:
        """How the cohort was merged when too small (the page says so)."""
        if self.round is None or self.score is None or self.score.cohort is None:
            return None
        cohort = self.round.cohort(self.score.cohort)
        return cohort.get("note") if cohort else None

    def chart(self) -> dict[str, Any]:
        """The figures the portrait's charts draw (static/js/innovation_portrait.js), names included."""
        data: dict[str, Any] = {
            "names": {"firm": _("本企业"), "median": _("队列中位数"), "top": _("队列前10%"), "points": _("分")},
            "history": self._history_chart(),
        }
        p = self.portrait
        if p is not None:
            data["groups"] = {"labels": [g.label for g in p.groups], "max": [float(g.weight) for g in p.groups],
                              **_series(p.groups)}
            data["indicators"] = {"labels": [i.label for i in p.indicators],
                                  "max": [float(i.weight) for i in p.indicators], **_series(p.indicators)}
        return data

    def _history_chart(self) -> dict[str, Any]:
        scored = [(r, s) for r, s in self.history if s.rank is not None]
        return {
            "labels": [round_label(r) for r, _s in scored],
            "rank": [s.rank for _r, s in scored],
            "text": [" ".join(filter(None, (rank_text(s), stars_text(s.stars)))) for _r, s in scored],
            "axis": _("队列内名次"),
        }


def _series(lines: list[PortraitLine]) -> dict[str, list[float]]:
    return {"firm": [float(line.points) for line in lines], "median": [float(line.median) for line in lines],
            "top": [float(line.top_decile) for line in lines]}


def firm_portrait(enterprise_id: int, published_only: bool) -> FirmPortrait:
    """The firm's portrait in the latest round that has it (published rounds only for the portal)."""
    history = firm_history(enterprise_id, published_only)
    if not history:
        return FirmPortrait([], None, None, None, latest_round(published_only) is not None)
    round_, score = history[-1]
    return FirmPortrait(history, round_, score, portrait(round_, score), True)
