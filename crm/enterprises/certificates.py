"""Certificate and registration numbers belong to one firm per designation kind (issue 18,
decision 6): a 高企 certificate, a 入库登记编号 or a list's number that one firm holds is
refused for any other firm, in the designation form and in bulk numbering (the importers
apply the same rule to a whole sheet at once, importers.list_writers and importers.writer).

The same firm may hold a number again (a correction, a record entered twice over the
years), and the same number under another kind is another number.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, func, select

from crm.extensions import db
from crm.ladder import DESIGNATION_LABELS
from crm.models import Designation, DesignationKind, Enterprise, User
from crm.scoping import enterprise_scope


def normalise_certificate_no(text: str | None) -> str | None:
    """A number as stored and compared: half-width (NFKC), no whitespace, upper case, so
    "gr 2023 44 001234" and "ＧＲ202344001234" are GR202344001234; None for a blank.
    The importers' reading of a number cell (importers.values.parse_code), for one rule."""
    from importers.values import parse_code

    return parse_code(text) if text is not None else None


def _stored_key(column: ColumnElement[str | None]) -> ColumnElement[str | None]:
    """A stored number compared as normalise_certificate_no writes it: numbers typed before
    numbers were normalised may hold spaces (ASCII or ideographic) or lower case."""
    return func.upper(func.replace(func.replace(column, " ", ""), "\u3000", ""))


@dataclass(frozen=True)
class NumberHolder:
    """A firm holding a number; `name` and `uscc` are None when the asking user may not see it."""

    enterprise_id: int
    name: str | None
    uscc: str | None


def number_holders(kind: DesignationKind, numbers: Iterable[str], user: User | None) -> dict[str, list[NumberHolder]]:
    """Every firm holding each of `numbers` (normalised) as a designation of `kind`, named only
    where `user`'s scope (crm.scoping) includes it; numbers nobody holds are left out."""
    wanted = sorted({n for n in numbers if n})
    if not wanted:
        return {}
    key = _stored_key(Designation.certificate_no)
    held = db.session.execute(
        select(key, Designation.enterprise_id, Enterprise.name, Enterprise.uscc)
        .join(Enterprise, Enterprise.id == Designation.enterprise_id)
        .where(Designation.kind == kind, Designation.certificate_no.is_not(None), key.in_(wanted))
        .distinct()
    ).all()
    firm_ids = {row[1] for row in held}
    visible = set(db.session.scalars(
        select(Enterprise.id).where(Enterprise.id.in_(firm_ids), enterprise_scope(user))
    )) if firm_ids else set()
    holders: dict[str, list[NumberHolder]] = {}
    for number, firm_id, name, uscc in sorted(held, key=lambda row: row[1]):
        shown = firm_id in visible
        holders.setdefault(number, []).append(
            NumberHolder(firm_id, name if shown else None, uscc if shown else None))
    return holders


def other_holder(holders: dict[str, list[NumberHolder]], number: str | None, enterprise_id: int | None) -> NumberHolder | None:
    """The first firm other than `enterprise_id` holding `number`, if any."""
    if not number:
        return None
    return next((h for h in holders.get(number, ()) if h.enterprise_id != enterprise_id), None)


def holder_elsewhere(kind: DesignationKind, number: str | None, enterprise_id: int | None,
                     user: User | None) -> NumberHolder | None:
    """The firm other than `enterprise_id` already holding `number` as a designation of `kind`."""
    number = normalise_certificate_no(number)
    if not number:
        return None
    return other_holder(number_holders(kind, [number], user), number, enterprise_id)


def clash_message(number: str, kind: DesignationKind, holder: NumberHolder) -> str:
    """Why a number is refused: the firm holding it when the user may see that firm, else only
    that it is a firm outside the user's scope."""
    if holder.name is None:
        return _(
            "编号 %(number)s 已登记为您管辖范围以外另一家企业的“%(kind)s”编号；同一类认定的编号只能属于一家企业，请核对",
            number=number, kind=DESIGNATION_LABELS[kind],
        )
    return _("编号 %(number)s 已登记为 %(firm)s（%(uscc)s）的“%(kind)s”编号；同一类认定的编号只能属于一家企业，请核对",
             number=number, firm=holder.name, uscc=holder.uscc, kind=DESIGNATION_LABELS[kind])
