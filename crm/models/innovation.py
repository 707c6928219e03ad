"""Innovation points (企业创新积分): scheme versions, rounds, and each firm's score in a round.

A scheme version is never changed once stored (an edit is a new version); a round keeps the
version it used and every firm's score as computed, so editing a figure or the scheme later
changes only later rounds. A published round is what the bureau announces.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.clock import utcnow
from crm.extensions import db

if TYPE_CHECKING:
    from crm.models.user import User

Points = Numeric(8, 2, asdecimal=True)


class InnovationScheme(db.Model):
    """One version of the scoring scheme, as crm.innovation.scheme.to_json writes it."""

    __tablename__ = "innovation_scheme"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    created_by: Mapped["User | None"] = relationship()

    def __repr__(self) -> str:
        return f"<InnovationScheme v{self.version}>"


class InnovationRound(db.Model):
    """One scoring of every firm for a fiscal year, with its cohorts' statistics."""

    __tablename__ = "innovation_round"

    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[date] = mapped_column(Date)
    fiscal_year: Mapped[int] = mapped_column(Integer, index=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("innovation_scheme.id", ondelete="RESTRICT"))
    trigger: Mapped[str] = mapped_column(String(20), default="cli")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # [{"key", "label", "size", "note", "median": {name: points}, "top_decile": {...}, "star_cuts": [5, 4, 3]}]
    cohorts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    published_at: Mapped[datetime | None] = mapped_column(DateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    scheme: Mapped[InnovationScheme] = relationship()
    published_by: Mapped["User | None"] = relationship()

    @property
    def published(self) -> bool:
        return self.published_at is not None

    def cohort(self, key: str) -> dict[str, Any] | None:
        return next((c for c in self.cohorts if c["key"] == key), None)

    def __repr__(self) -> str:
        return f"<InnovationRound {self.id} {self.fiscal_year} published={self.published}>"


class InnovationScore(db.Model):
    """A firm's result in a round: its points, or why it was not scored.

    The district, name and code are kept as scored: a firm that moves district later stays
    in the district it was scored in, for that round.
    """

    __tablename__ = "innovation_score"
    __table_args__ = (
        Index("ix_innovation_score_round_rank", "round_id", "district_code", "cohort", "rank"),
        Index("ix_innovation_score_firm", "enterprise_id", "round_id", unique=True),
        # Covers the dashboard's stars per district and movement without reading the wide rows.
        Index("ix_innovation_score_round_stars", "round_id", "stars", "district_code", "enterprise_id", "score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("innovation_round.id", ondelete="CASCADE"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"))
    uscc: Mapped[str] = mapped_column(String(18))
    name: Mapped[str] = mapped_column(String(200))
    district_code: Mapped[str] = mapped_column(String(6))
    stage: Mapped[str | None] = mapped_column(String(10))
    cohort: Mapped[str | None] = mapped_column(String(60))
    cohort_size: Mapped[int | None] = mapped_column(Integer)
    score: Mapped[Decimal | None] = mapped_column(Points)
    rank: Mapped[int | None] = mapped_column(Integer)
    stars: Mapped[int | None] = mapped_column(Integer)
    # {"tech": "41.20", "growth": ..., "extra": ...}
    groups: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # {indicator code: [value or None, points, reason or None]}: the inputs and points as computed.
    indicators: Mapped[dict[str, list[Any]]] = mapped_column(JSON, default=dict)
    # Why the firm was not scored (no score, rank or stars then).
    reason: Mapped[str | None] = mapped_column(Text)

    round: Mapped[InnovationRound] = relationship()

    def __repr__(self) -> str:
        return f"<InnovationScore round={self.round_id} enterprise={self.enterprise_id} {self.score}>"
