"""Districts (county-level divisions) and their towns and parks."""
from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import db


class District(db.Model):
    __tablename__ = "district"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(20), unique=True)

    towns: Mapped[list["Town"]] = relationship(back_populates="district", order_by="Town.name")

    def __repr__(self) -> str:
        return f"<District {self.code} {self.name}>"


class Town(db.Model):
    """A town, sub-district or industrial park inside a district (镇街/园区)."""

    __tablename__ = "town"
    __table_args__ = (UniqueConstraint("district_code", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_code: Mapped[str] = mapped_column(ForeignKey("district.code"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    is_park: Mapped[bool] = mapped_column(default=False)

    district: Mapped[District] = relationship(back_populates="towns")

    def __repr__(self) -> str:
        return f"<Town {self.name}>"
