"""R&D institutions and incubation carriers (研发机构与载体) a firm runs."""
from __future__ import annotations

import enum
from datetime import date
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import db
from crm.models.base import TimestampMixin, VersionedMixin, enum_type

if TYPE_CHECKING:
    from crm.models.enterprise import Enterprise


class PlatformKind(enum.Enum):
    engineering_center = "engineering_center"
    enterprise_tech_center = "enterprise_tech_center"
    key_lab = "key_lab"
    new_rd_institution = "new_rd_institution"
    tech_innovation_center = "tech_innovation_center"
    postdoc_station = "postdoc_station"
    academician_workstation = "academician_workstation"
    incubator = "incubator"
    maker_space = "maker_space"
    star_space = "star_space"
    accelerator = "accelerator"


PLATFORM_KIND_LABELS: dict[PlatformKind, str] = {
    PlatformKind.engineering_center: _l("工程技术研究中心"),
    PlatformKind.enterprise_tech_center: _l("企业技术中心"),
    PlatformKind.key_lab: _l("重点实验室"),
    PlatformKind.new_rd_institution: _l("新型研发机构"),
    PlatformKind.tech_innovation_center: _l("技术创新中心"),
    PlatformKind.postdoc_station: _l("博士后科研工作站/创新实践基地"),
    PlatformKind.academician_workstation: _l("院士工作站"),
    PlatformKind.incubator: _l("科技企业孵化器"),
    PlatformKind.maker_space: _l("众创空间"),
    PlatformKind.star_space: _l("星创天地"),
    PlatformKind.accelerator: _l("加速器"),
}

# Incubation carriers (孵化载体); every other kind is an R&D institution (研发机构).
INCUBATION_KINDS = frozenset(
    {PlatformKind.incubator, PlatformKind.maker_space, PlatformKind.star_space, PlatformKind.accelerator}
)
RD_INSTITUTION_KINDS = frozenset(set(PlatformKind) - INCUBATION_KINDS)


class PlatformLevel(enum.Enum):
    national = "national"
    provincial = "provincial"
    municipal = "municipal"


PLATFORM_LEVEL_LABELS: dict[PlatformLevel, str] = {
    PlatformLevel.national: _l("国家级"),
    PlatformLevel.provincial: _l("省级"),
    PlatformLevel.municipal: _l("市级"),
}


class Platform(TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "platform"
    __table_args__ = (
        CheckConstraint(
            "valid_to IS NULL OR recognized_on IS NULL OR valid_to >= recognized_on",
            name="valid_period",
        ),
        Index("ix_platform_kind_level", "kind", "level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprise.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[PlatformKind] = mapped_column(enum_type(PlatformKind))
    level: Mapped[PlatformLevel] = mapped_column(enum_type(PlatformLevel))
    name: Mapped[str] = mapped_column(String(200))
    recognized_on: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)

    enterprise: Mapped["Enterprise"] = relationship(back_populates="platforms")

    def is_valid_on(self, day: date) -> bool:
        started = self.recognized_on is None or self.recognized_on <= day
        return started and (self.valid_to is None or day <= self.valid_to)

    def __repr__(self) -> str:
        return f"<Platform {self.level.value} {self.kind.value} {self.name}>"
