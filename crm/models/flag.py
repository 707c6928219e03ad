"""Rule results: flags raised and cleared over time, rule parameters, job runs, inbox."""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON, Column, Date, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, String, Table, Text, Unicode,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.clock import utcnow
from crm.extensions import db
from crm.models.base import TimestampMixin, enum_type

if TYPE_CHECKING:
    from crm.models.enterprise import Enterprise
    from crm.models.user import User


class HandledStatus(enum.Enum):
    contacted = "contacted"
    applied = "applied"
    declined = "declined"


HANDLED_STATUS_LABELS: dict[HandledStatus, str] = {
    HandledStatus.contacted: _l("已联系"),
    HandledStatus.applied: _l("已申报"),
    HandledStatus.declined: _l("企业暂不申报"),
}


class Flag(db.Model):
    """One period during which a rule passed for a firm; open while cleared_on is None."""

    __tablename__ = "flag"
    __table_args__ = (
        Index("ix_flag_rule_open", "rule", "cleared_on"),
        Index("ix_flag_cleared_on", "cleared_on"),  # the forecast's fingerprint: flags cleared, the latest
        # At most one open flag per firm and rule.
        Index(
            "uq_flag_open",
            "enterprise_id",
            "rule",
            unique=True,
            sqlite_where=db.text("cleared_on IS NULL"),
            postgresql_where=db.text("cleared_on IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprise.id", ondelete="CASCADE"), index=True
    )
    rule: Mapped[str] = mapped_column(String(40))
    raised_on: Mapped[date] = mapped_column(Date)
    cleared_on: Mapped[date | None] = mapped_column(Date)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    gaps: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Digest of the facts and result last evaluated, so an unchanged re-run writes nothing.
    result_digest: Mapped[str] = mapped_column(String(64), default="")
    evaluated_on: Mapped[date | None] = mapped_column(Date)
    handled_status: Mapped[HandledStatus | None] = mapped_column(enum_type(HandledStatus))
    handled_note: Mapped[str | None] = mapped_column(Text)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    handled_at: Mapped[datetime | None] = mapped_column(DateTime)

    enterprise: Mapped["Enterprise"] = relationship()
    handled_by: Mapped["User | None"] = relationship()

    def __repr__(self) -> str:
        return f"<Flag {self.rule} enterprise={self.enterprise_id} {self.raised_on}..{self.cleared_on}>"


class RuleParameter(TimestampMixin, db.Model):
    """An administrator's value for one rule threshold, in force from `effective_year` on."""

    __tablename__ = "rule_parameter"
    __table_args__ = (UniqueConstraint("rule", "name", "effective_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(60))
    # Stored as text so that Decimal thresholds keep their exact digits.
    value: Mapped[str] = mapped_column(String(40))
    effective_year: Mapped[int] = mapped_column(Integer)

    def __repr__(self) -> str:
        return f"<RuleParameter {self.rule}.{self.name}={self.value} from {self.effective_year}>"


class JobStatus(enum.Enum):
    running = "running"
    succeeded = "succeeded"
    failed = "failed"


class JobRun(db.Model):
    __tablename__ = "job_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(40), index=True)
    as_of: Mapped[date | None] = mapped_column(Date)
    trigger: Mapped[str] = mapped_column(String(20), default="schedule")  # schedule | cli | web
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    status: Mapped[JobStatus] = mapped_column(enum_type(JobStatus), default=JobStatus.running)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # [{"enterprise": uscc, "message": ...}] for firms that failed and were skipped.
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    def __repr__(self) -> str:
        return f"<JobRun {self.job} {self.status.value} {self.started_at}>"


class JobLease(db.Model):
    """A named lease so that a job runs once even with several workers."""

    __tablename__ = "job_lease"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120))
    expires_at: Mapped[datetime] = mapped_column(DateTime)


# APScheduler's SQLAlchemyJobStore table (its exact layout), declared here so that
# the migrations create it and autogenerate leaves it alone.
apscheduler_jobs = Table(
    "apscheduler_jobs",
    db.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)


class Notification(db.Model):
    """A message in one user's inbox; one about a firm or a district is shown only while the
    reader's scope includes that firm (its district today) or district (crm.notifications)."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(300))
    enterprise_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprise.id", ondelete="CASCADE"), index=True
    )
    # The district the message concerns: a digest's district, or the firm's when it was written.
    # A plain code (as district_move keeps it): what was said then, not a link to reference data.
    district_code: Mapped[str | None] = mapped_column(String(6))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime)
    emailed_at: Mapped[datetime | None] = mapped_column(DateTime)

    def __repr__(self) -> str:
        return f"<Notification {self.kind} user={self.user_id}>"
