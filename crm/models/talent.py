"""High-end innovation talent and teams a firm holds."""
from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import db
from crm.models.base import TimestampMixin, VersionedMixin, enum_type

if TYPE_CHECKING:
    from crm.models.enterprise import Enterprise


class TalentCategory(enum.Enum):
    academician = "academician"
    doctor = "doctor"
    high_level = "high_level"
    innovation_team = "innovation_team"


TALENT_CATEGORY_LABELS: dict[TalentCategory, str] = {
    TalentCategory.academician: _l("院士"),
    TalentCategory.doctor: _l("博士"),
    TalentCategory.high_level: _l("高层次人才"),
    TalentCategory.innovation_team: _l("创新创业团队"),
}


class TalentProgramme(enum.Enum):
    pearl_river = "pearl_river"
    national_thousand = "national_thousand"
    national_ten_thousand = "national_ten_thousand"
    qiaodu = "qiaodu"
    bay_area = "bay_area"
    academician_workstation = "academician_workstation"
    other = "other"


TALENT_PROGRAMME_LABELS: dict[TalentProgramme, str] = {
    TalentProgramme.pearl_river: _l("珠江人才计划"),
    TalentProgramme.national_thousand: _l("国家“千人计划”"),
    TalentProgramme.national_ten_thousand: _l("国家“万人计划”"),
    TalentProgramme.qiaodu: _l("侨都英才计划"),
    TalentProgramme.bay_area: _l("湾区人才"),
    TalentProgramme.academician_workstation: _l("院士工作站"),
    TalentProgramme.other: _l("其他"),
}


class Talent(TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "talent"
    __table_args__ = (CheckConstraint("year BETWEEN 1980 AND 2100", name="year_plausible"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprise.id", ondelete="CASCADE"), index=True
    )
    category: Mapped[TalentCategory] = mapped_column(enum_type(TalentCategory))
    is_team: Mapped[bool] = mapped_column(default=False)
    name: Mapped[str] = mapped_column(String(200))
    # 带头人 of a team (talent lists name one); None for a person or when not known.
    leader: Mapped[str | None] = mapped_column(String(50))
    programme: Mapped[TalentProgramme] = mapped_column(enum_type(TalentProgramme))
    year: Mapped[int] = mapped_column(Integer)
    # 高端创新创业人才团队: counted by the city plan's talent indicator.
    high_end: Mapped[bool] = mapped_column(default=False)

    enterprise: Mapped["Enterprise"] = relationship(back_populates="talents")

    def __repr__(self) -> str:
        return f"<Talent {self.category.value} {self.name}>"
