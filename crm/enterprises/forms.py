"""Forms of the officer workspace: every message is Chinese and stands at its field."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask_wtf import FlaskForm
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.widgets import TextInput
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp, ValidationError

from crm.clock import today
from crm.enterprises.certificates import normalise_certificate_no
from crm.forms import NOT_DECLARED, PLEASE_CHOOSE, coded_choices, must_choose
from crm.ladder import DESIGNATION_LABELS
from crm.models import Designation, DesignationKind, Enterprise, Honour, Platform, SupportRecord, Talent
from crm.models.contact import CONTACT_KIND_LABELS
from crm.models.declaration import IP_GRADE_LABELS, PRODUCT_FIELD_LABELS, FactDeclaration
from crm.models.enterprise import HITECH_FIELD_NAMES
from crm.models.lengths import column_length
from crm.models.platform import PLATFORM_KIND_LABELS, PLATFORM_LEVEL_LABELS
from crm.models.support import HONOUR_KIND_LABELS, SUPPORT_KIND_LABELS
from crm.models.talent import TALENT_CATEGORY_LABELS, TALENT_PROGRAMME_LABELS
from crm.reports.consistency import bound_breaches, fiscal_year_problem

REQUIRED = _l("请填写此项")


def _read_number(text: str, units: frozenset[str], message: str) -> Decimal | None:
    """A typed figure read as the spreadsheet importer reads a cell (importers.values.parse_number):
    full-width digits, a leading sign, thousands separators only where they group three digits
    ("1,234.5", "1 234"; "1,23" and "12 34" are refused, not read as 123 and 1234), and a trailing
    unit among `units`. None for blank; ValueError with a message for people otherwise."""
    import unicodedata

    from importers.values import EMPTY_MARKERS, NumberTextError, parse_number

    shown = unicodedata.normalize("NFKC", text).strip()
    if not shown:
        return None
    if "".join(shown.split()).lower() in EMPTY_MARKERS:
        raise ValueError(message)  # "无", "-": a form field is left blank, not marked
    try:
        number, unit = parse_number(shown)
    except NumberTextError as exc:
        if exc.reason == "comma":
            raise ValueError(_("逗号不是千位分隔符（应每三位一个，如 1,234.5），请改正")) from None
        if exc.reason == "space":
            raise ValueError(_("空格不是千位分隔符（应每三位一个，如 1 234.5），请改正")) from None
        raise ValueError(message) from None
    if unit is not None and unit not in units:
        raise ValueError(message)
    return number


class MoneyField(DecimalField):
    """万元 with up to 4 decimals; thousands separators allowed.

    A text input (with a numeric keyboard hint), because type="number" refuses
    "1,234.5" and hides what the person typed when it is wrong.
    """

    widget = TextInput()

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        if isinstance(self.data, Decimal):
            return format(self.data.normalize(), "f")
        return "" if self.data is None else str(self.data)

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = None
        if not valuelist:
            return
        self.data = _read_number(str(valuelist[0]), frozenset({"万元"}), _("请输入数字（单位：万元）"))
        if self.data is None:
            return
        if self.data.as_tuple().exponent < -4:  # type: ignore[operator]
            raise ValueError(_("最多保留4位小数"))
        if abs(self.data) >= Decimal("1e12"):
            raise ValueError(_("数值过大"))


class CountField(IntegerField):
    widget = TextInput()

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = None
        if not valuelist:
            return
        from importers.values import COUNT_UNITS

        number = _read_number(str(valuelist[0]), COUNT_UNITS, _("请输入整数"))
        if number is None:
            return
        if number != number.to_integral_value():
            raise ValueError(_("请输入整数"))
        if abs(number) > 10_000_000:
            raise ValueError(_("数值过大"))
        self.data = int(number)


class YmdField(DateField):
    """A date as YYYY-MM-DD (renders <input type="date"> with the browser's picker)."""

    def __init__(self, label: str, validators: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(label, validators, format="%Y-%m-%d", **kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        try:
            self.data = date.fromisoformat(str(valuelist[0]).strip())
        except ValueError:
            self.data = None
            raise ValueError(_("日期格式应为 YYYY-MM-DD")) from None


def not_negative(label: str) -> Any:  # noqa: ANN401 - a WTForms validator
    """Refuse negative numbers; a value that did not parse already has its own message."""

    def check(form: FlaskForm, field: Any) -> None:  # noqa: ANN401
        if field.data is not None and field.data < 0:
            raise ValidationError(_("%(label)s不能为负数", label=label))

    return check


def year_range(form: FlaskForm, field: Any) -> None:  # noqa: ANN401
    if field.data is not None and not 1980 <= field.data <= 2100:
        raise ValidationError(_("年度应在1980至2100之间"))


def past_year(form: FlaskForm, field: Any) -> None:  # noqa: ANN401
    if field.data is not None and not 1900 <= field.data <= today().year:
        raise ValidationError(_("年份应在1900至%(year)s之间", year=today().year))


def not_future(form: FlaskForm, field: YmdField) -> None:
    from crm.clock import today

    if field.data and field.data > today():
        raise ValidationError(_("日期不能晚于今天"))


class VersionedForm(FlaskForm):
    """Every editing form carries the version it was read at (optimistic locking).

    The page sets `enterprise` and `record` (None for a new one) before validating,
    for the checks that compare with the firm's other records.
    """

    version_id = HiddenField()
    enterprise: Enterprise | None = None
    record: Any = None


class ProfileForm(VersionedForm):
    name = StringField(_l("企业名称"), validators=[DataRequired(REQUIRED), column_length(Enterprise, "name")])
    district_code = SelectField(_l("所属区（市）"), choices=[])
    # Towns belong to districts: a move asks for the new district's (crm.enterprises.services.set_district).
    town = StringField(_l("镇街/园区"), validators=[Optional(), column_length(Enterprise, "town")],
                       description=_l("变更所属区（市）时，请改填新区（市）的镇街/园区，或留空"))
    founded_on = YmdField(_l("成立日期"), validators=[Optional(), not_future])
    # 注销 (or 吊销): from this day the firm holds no rung (crm.flows counts it as closed).
    closed_on = YmdField(_l("注销日期"), validators=[Optional(), not_future],
                         description=_l("企业注销或被吊销营业执照的日期；仍在经营的留空"))
    industry_code = SelectField(_l("所属行业"), choices=[], default="")
    hitech_field = SelectField(_l("高新技术领域"), choices=coded_choices(HITECH_FIELD_NAMES, _l("（未填写）")), default="")
    above_size = BooleanField(_l("规模以上企业"))
    address = StringField(_l("地址"), validators=[Optional(), column_length(Enterprise, "address")])
    contact_person = StringField(_l("联系人"), validators=[Optional(), column_length(Enterprise, "contact_person")])
    contact_phone = StringField(
        _l("联系电话"),
        validators=[
            Optional(), column_length(Enterprise, "contact_phone"),
            Regexp(r"^[0-9+\-() 转]{5,}$", message=_l("电话号码只能包含数字、+、-、括号和空格")),
        ],
    )
    contact_email = StringField(
        _l("电子邮箱"),
        validators=[Optional(), column_length(Enterprise, "contact_email"), Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("电子邮箱格式不正确"))],
    )
    notes = TextAreaField(_l("备注"), validators=[Optional(), Length(max=5000, message=_l("不超过5000字"))])

    def validate_founded_on(self, field: YmdField) -> None:
        """A firm cannot be founded after a fiscal year it reported (the report form's and the importer's rule)."""
        if field.data is None or self.enterprise is None or not self.enterprise.annual_reports:
            return
        earliest = min(report.year for report in self.enterprise.annual_reports)
        if field.data.year > earliest:
            raise ValidationError(_("成立日期不能晚于已有年度报表的年度（最早为 %(year)s 年度）", year=earliest))

    def validate_closed_on(self, field: YmdField) -> None:
        """A firm cannot close before it was founded (the founding date saved with it)."""
        founded = self.founded_on.data
        if field.data is not None and founded is not None and field.data < founded:
            raise ValidationError(_("注销日期不能早于成立日期（%(day)s）", day=founded.isoformat()))


class DesignationForm(VersionedForm):
    kind = must_choose(_l("认定类型"), DESIGNATION_LABELS, _l("请选择认定类型"))
    valid_from = YmdField(_l("生效日期"), validators=[InputRequired(_l("请填写生效日期"))])
    valid_to = YmdField(_l("有效期至"), validators=[Optional()], description=_l("留空则按类型默认有效期（高企三年，其余当年年底）"))
    # Stored as compared (crm.enterprises.certificates): "GR 2023…" is GR2023….
    certificate_no = StringField(_l("证书/入库编号"), validators=[Optional(), column_length(Designation, "certificate_no")],
                                 filters=[normalise_certificate_no])
    authority = StringField(_l("认定机关"), validators=[Optional(), column_length(Designation, "authority")])

    def validate_valid_to(self, field: YmdField) -> None:
        if field.data and self.valid_from.data and field.data < self.valid_from.data:
            raise ValidationError(_("有效期至不能早于生效日期"))

    def validate(self, extra_validators: Any = None) -> bool:  # noqa: ANN401
        """Field checks, then: the firm must not already hold this kind for (part of) the period,
        and no other firm may hold the number under this kind (named only if the user sees it)."""
        valid = super().validate(extra_validators)
        if not valid or self.enterprise is None:
            return valid
        from flask_login import current_user

        from crm.enterprises.certificates import clash_message, holder_elsewhere
        from crm.enterprises.services import ALREADY_HELD, overlapping_designation

        kind = DesignationKind(self.kind.data)
        held = overlapping_designation(self.enterprise, kind, self.valid_from.data, self.valid_to.data, self.record)
        if held is not None:
            until = held.valid_to.isoformat() if held.valid_to else _("长期")
            self.valid_from.errors.append(
                _("%(reason)s：%(start)s 至 %(end)s", reason=ALREADY_HELD, start=held.valid_from.isoformat(), end=until)
            )
            valid = False
        holder = holder_elsewhere(kind, self.certificate_no.data, self.enterprise.id, current_user)
        if holder is not None:
            self.certificate_no.errors.append(clash_message(self.certificate_no.data, kind, holder))
            valid = False
        self._errors = None
        return valid


MONEY_LABELS = {
    "revenue": _l("营业收入（万元）"),
    "total_revenue": _l("总收入（万元）"),
    "main_revenue": _l("主营业务收入（万元）"),
    "rd_expense": _l("研发费用（万元）"),
    "rd_expense_domestic": _l("境内研发费用（万元）"),
    "hitech_revenue": _l("高新技术产品（服务）收入（万元）"),
    "total_assets": _l("资产总额（万元）"),
    "total_liabilities": _l("负债总额（万元）"),
    "net_assets": _l("净资产（万元）"),
    "net_profit": _l("净利润（万元）"),
    "total_costs": _l("成本费用总额（万元）"),
}
COUNT_LABELS = {
    "employees": _l("职工总数（人）"),
    "tech_staff": _l("科技人员（人）"),
    "rd_staff": _l("研发人员（人）"),
    "ip_class1": _l("I类知识产权（件）"),
    "ip_class2": _l("II类知识产权（件）"),
}
FIGURE_LABELS = {**MONEY_LABELS, **COUNT_LABELS}
# The label without its unit, as the "cannot be negative" message names the figure.
SHORT_LABELS = {
    "revenue": _l("营业收入"),
    "total_revenue": _l("总收入"),
    "main_revenue": _l("主营业务收入"),
    "rd_expense": _l("研发费用"),
    "rd_expense_domestic": _l("境内研发费用"),
    "hitech_revenue": _l("高新技术产品"),
    "total_assets": _l("资产总额"),
    "total_liabilities": _l("负债总额"),
    "net_assets": _l("净资产"),
    "net_profit": _l("净利润"),
    "total_costs": _l("成本费用总额"),
    "employees": _l("职工总数"),
    "tech_staff": _l("科技人员"),
    "rd_staff": _l("研发人员"),
    "ip_class1": _l("I类知识产权"),
    "ip_class2": _l("II类知识产权"),
}


def _plain(value: Decimal | int) -> str:
    """A figure as typed: 3000.0000 -> "3,000", 12.5 -> "12.5"."""
    return f"{value.normalize():,f}" if isinstance(value, Decimal) else f"{value:,}"


def _money(name: str, signed: bool = False) -> MoneyField:
    label = MONEY_LABELS[name]
    validators = [Optional()] if signed else [Optional(), not_negative(SHORT_LABELS[name])]
    return MoneyField(label, validators=validators, places=None, render_kw={"inputmode": "decimal"})


def _count(name: str) -> CountField:
    label = COUNT_LABELS[name]
    return CountField(label, validators=[Optional(), not_negative(SHORT_LABELS[name])], render_kw={"inputmode": "numeric"})


class AnnualReportForm(VersionedForm):
    # The plausible years are checked in validate_year (crm.reports.consistency).
    year = CountField(_l("年度"), validators=[InputRequired(_l("请填写年度"))])
    revenue = _money("revenue")
    total_revenue = _money("total_revenue")
    main_revenue = _money("main_revenue")
    rd_expense = _money("rd_expense")
    rd_expense_domestic = _money("rd_expense_domestic")
    hitech_revenue = _money("hitech_revenue")
    total_assets = _money("total_assets")
    total_liabilities = _money("total_liabilities")
    net_assets = _money("net_assets", signed=True)
    net_profit = _money("net_profit", signed=True)
    total_costs = _money("total_costs")
    employees = _count("employees")
    tech_staff = _count("tech_staff")
    rd_staff = _count("rd_staff")
    ip_class1 = _count("ip_class1")
    ip_class2 = _count("ip_class2")
    change_explanation = TextAreaField(_l("变动说明"), validators=[Optional(), Length(max=2000, message=_l("不超过2000字"))])

    def validate_year(self, field: CountField) -> None:
        if field.data is None:
            return
        founded = self.enterprise.founded_on if self.enterprise is not None else None
        problem = fiscal_year_problem(field.data, today(), founded)
        if problem:
            raise ValidationError(problem)

    def validate(self, extra_validators: Any = None) -> bool:  # noqa: ANN401
        """Field checks, then the report's consistency (crm.reports.consistency), each at its part."""
        valid = super().validate(extra_validators)
        figures = {name: self[name].data for name in FIGURE_LABELS if not self[name].errors}
        for breach in bound_breaches(figures):
            self[breach.part].errors.append(
                _("%(message)s（%(part)s > %(whole)s）", message=breach.message,
                  part=_plain(breach.part_value), whole=_plain(breach.whole_value))
            )
            valid = False
        self._errors = None  # the cached error dict predates the appended messages
        return valid


class PlatformForm(VersionedForm):
    kind = must_choose(_l("类型"), PLATFORM_KIND_LABELS, _l("请选择研发机构/载体的类型"))
    level = must_choose(_l("级别"), PLATFORM_LEVEL_LABELS, _l("请选择研发机构/载体的级别"))
    name = StringField(_l("名称"), validators=[DataRequired(REQUIRED), column_length(Platform, "name")])
    recognized_on = YmdField(_l("认定日期"), validators=[Optional()])
    valid_to = YmdField(_l("有效期至"), validators=[Optional()])

    def validate_valid_to(self, field: YmdField) -> None:
        if field.data and self.recognized_on.data and field.data < self.recognized_on.data:
            raise ValidationError(_("有效期至不能早于认定日期"))


class TalentForm(VersionedForm):
    category = must_choose(_l("类别"), TALENT_CATEGORY_LABELS, _l("请选择人才/团队的类别"))
    is_team = BooleanField(_l("团队"))
    name = StringField(_l("姓名/团队名称"), validators=[DataRequired(REQUIRED), column_length(Talent, "name")])
    leader = StringField(_l("带头人"), validators=[Optional(), column_length(Talent, "leader")],
                         description=_l("团队的带头人；个人可不填"))
    programme = must_choose(_l("人才计划"), TALENT_PROGRAMME_LABELS, _l("请选择人才计划（没有对应计划的选“其他”）"))
    year = CountField(_l("入选年度"), validators=[InputRequired(_l("请填写年度")), year_range])
    high_end = BooleanField(_l("高端创新创业人才团队"))


class SupportRecordForm(VersionedForm):
    kind = must_choose(_l("支持方式"), SUPPORT_KIND_LABELS, _l("请选择支持方式"))
    programme = StringField(_l("项目"), validators=[DataRequired(REQUIRED), column_length(SupportRecord, "programme")])
    # InputRequired, not DataRequired: a zero amount is still a recorded amount.
    amount = MoneyField(_l("金额（万元）"), validators=[InputRequired(_l("请填写金额")), not_negative(_l("金额"))], places=None)
    granted_on = YmdField(_l("日期"), validators=[InputRequired(_l("请填写日期"))])


class HonourForm(VersionedForm):
    kind = must_choose(_l("类别"), HONOUR_KIND_LABELS, _l("请选择荣誉与奖励的类别"))
    title = StringField(_l("名称"), validators=[DataRequired(REQUIRED), column_length(Honour, "title")])
    year = CountField(_l("年度"), validators=[InputRequired(_l("请填写年度")), year_range])
    amount = MoneyField(_l("金额（万元）"), validators=[Optional(), not_negative(_l("金额"))], places=None)


class ContactNoteForm(VersionedForm):
    kind = must_choose(_l("方式"), CONTACT_KIND_LABELS, _l("请选择联系方式"))
    happened_on = YmdField(_l("日期"), validators=[InputRequired(_l("请填写日期")), not_future])
    note = TextAreaField(_l("内容"), validators=[DataRequired(_l("请填写内容")), Length(max=5000, message=_l("不超过5000字"))])


def _optional_level(value: Any) -> int | None:  # noqa: ANN401 - a form value or a stored one
    return int(value) if value not in (None, "", "None") else None


def _optional_yes_no(value: Any) -> bool | None:  # noqa: ANN401
    if value in (None, "", "None"):
        return None
    return value in (True, "1", "True")


class FactDeclarationForm(VersionedForm):
    """Facts of the MIIT ladder no figure gives (crm.models.declaration): the firm declares them
    in the portal, its officer verifies them or enters them."""

    declared_on = YmdField(_l("情况截至日期"), validators=[InputRequired(_l("请填写日期")), not_future],
                           description=_l("申报的情况自该日起成立；晚于评估日期的申报在评估中暂不计入"))
    niche_since = CountField(_l("进入细分市场年份"), validators=[Optional(), past_year],
                             description=_l("开始从事特定细分市场（主导产品）的年份"))
    leading_product = StringField(_l("主导产品"), validators=[Optional(), column_length(FactDeclaration, "leading_product")])
    product_field = SelectField(_l("主导产品所属领域"), choices=coded_choices(PRODUCT_FIELD_LABELS, NOT_DECLARED),
                                default="")
    digital_level = SelectField(_l("数字化水平"), coerce=_optional_level, default=None, choices=[
        (None, NOT_DECLARED), (1, _l("一级")), (2, _l("二级")), (3, _l("三级及以上"))])
    quality_award = BooleanField(_l("获得省级以上质量奖"))
    quality_certified = BooleanField(_l("获得质量管理体系等认证（如ISO 9001）或产品通过发达国家和地区认证"))
    own_brand = BooleanField(_l("拥有自主品牌"))
    standards = BooleanField(_l("参与制定国家、行业或团体标准"))
    strategic_emerging = SelectField(_l("属于战略性新兴产业"), coerce=_optional_yes_no, default=None, choices=[
        (None, NOT_DECLARED), (True, _l("是")), (False, _l("否"))])
    ip_grade = SelectField(_l("I类知识产权情况"), choices=coded_choices(IP_GRADE_LABELS, NOT_DECLARED), default="")


class ReviewForm(VersionedForm):
    """Verify a submitted report or return it with a reason the enterprise sees."""

    reason = TextAreaField(_l("退回原因"), validators=[Optional(), Length(max=2000, message=_l("不超过2000字"))],
                           description=_l("退回时必填，企业将看到此说明"))


BULK_ACTIONS = [("designation", _l("批量添加认定")), ("assign", _l("分配给同事")), ("export", _l("导出所选企业"))]


class BulkForm(FlaskForm):
    action = SelectField(_l("批量操作"), choices=BULK_ACTIONS)
    ids = SelectMultipleField(_l("所选企业"), coerce=int, choices=[], validate_choice=False)
    kind = SelectField(_l("认定类型"), choices=coded_choices(DESIGNATION_LABELS, PLEASE_CHOOSE), default="")
    # No Optional(): it would stop the chain before the action-dependent checks below.
    valid_from = YmdField(_l("生效日期"))
    valid_to = YmdField(_l("有效期至"))
    certificate_pattern = StringField(
        _l("编号规则"), validators=[Optional(), column_length(Designation, "certificate_no")],
        description=_l("可选；其中连续的 # 依次替换为序号，如 2025440783#### → 20254407830001"),
        filters=[normalise_certificate_no],
    )
    officer_id = SelectField(_l("分配给"), coerce=int, choices=[], validate_choice=False, default=0)

    def validate_ids(self, field: SelectMultipleField) -> None:
        if not field.data:
            raise ValidationError(_("请先勾选企业"))

    def validate_kind(self, field: SelectField) -> None:
        if self.action.data == "designation" and not field.data:
            raise ValidationError(_("请选择认定类型"))
        if field.data and field.data not in {k.value for k in DesignationKind}:
            raise ValidationError(_("未知的认定类型"))

    def validate_valid_from(self, field: YmdField) -> None:
        if self.action.data == "designation" and not field.data:
            raise ValidationError(_("请填写生效日期"))

    def validate_valid_to(self, field: YmdField) -> None:
        if field.data and self.valid_from.data and field.data < self.valid_from.data:
            raise ValidationError(_("有效期至不能早于生效日期"))

    def validate_certificate_pattern(self, field: StringField) -> None:
        # One number of a kind belongs to one firm (crm.enterprises.certificates).
        several = len(set(self.ids.data or ())) > 1
        if self.action.data == "designation" and field.data and "#" not in field.data and several:
            raise ValidationError(_("编号规则中没有 #：所选企业将得到同一编号，而同一类认定的编号只能属于一家企业；"
                                    "请用连续的 # 标出序号的位置"))

    def validate_officer_id(self, field: SelectField) -> None:
        if self.action.data == "assign" and not field.data:
            raise ValidationError(_("请选择同事"))
