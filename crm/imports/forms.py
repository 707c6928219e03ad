"""Forms of the imports area."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import DateField, IntegerField, SelectField
from wtforms.validators import NumberRange, Optional, ValidationError

from crm.districts import DISTRICTS
from crm.ladder import DESIGNATION_LABELS
from importers.fields import KIND_CODES
from importers.readers import SPREADSHEET_EXTENSIONS

# What a file is (CONTRACT.md's --kind), as the pages name it.
KIND_NAMES: dict[str, str] = {
    "figures": _l("区县报送的科技型企业统计表"),
    "designations": _l("资质认定名单（高企、科技型中小企业、专精特新、瞪羚、金种子等）"),
    "renames": _l("企业更名名单"),
    "platforms": _l("科技创新平台名单"),
    "talents": _l("人才团队名单"),
    "support": _l("资金扶持名单"),
}
assert tuple(KIND_NAMES) == KIND_CODES


def kind_choices(auto: bool = True) -> list[tuple[str, str]]:
    return ([("", _l("自动识别（按标题和列名）"))] if auto else []) + list(KIND_NAMES.items())


def designation_choices() -> list[tuple[str, str]]:
    return [("", _l("自动识别（按标题和编号）"))] + [(k.value, label) for k, label in DESIGNATION_LABELS.items()]


class ListOptionsMixin:
    """What a list needs besides the file: its kind, designation kind and announcement date."""

    kind = SelectField(_l("表格类型"), choices=kind_choices(), validate_choice=False,
                       description=_l("不选时按标题和列名识别；预览中可以更改"))
    designation = SelectField(_l("认定类型"), choices=designation_choices(), validate_choice=False,
                              description=_l("资质认定名单用：不选时按标题和编号识别（GR开头为高企，入库登记编号为科技型中小企业）"))
    issued_on = DateField(_l("公告日期"), validators=[Optional()],
                          description=_l("名单公告的发证（认定、拨付）日期：表中没有日期列、标题中也没有时使用"))

    def validate_kind(self, field: SelectField) -> None:
        if field.data and field.data not in KIND_NAMES:
            raise ValidationError(_l("请选择表格类型"))

    def validate_designation(self, field: SelectField) -> None:
        if field.data and field.data not in {k.value for k in DESIGNATION_LABELS}:
            raise ValidationError(_l("请选择认定类型"))
        if field.data and (self.kind.data or "") not in ("", "designations"):  # type: ignore[attr-defined]
            raise ValidationError(_l("认定类型只用于资质认定名单"))

    def validate_issued_on(self, field: DateField) -> None:
        from crm.clock import today

        if field.data is not None and field.data > today():
            raise ValidationError(_l("公告日期不能晚于今天"))


class UploadForm(ListOptionsMixin, FlaskForm):
    file = FileField(
        _l("表格文件"),
        validators=[
            FileRequired(_l("请选择要导入的文件")),
            FileAllowed([e.lstrip(".") for e in SPREADSHEET_EXTENSIONS], _l("只能导入 .xlsx、.xls、.ods 或 .csv 文件")),
        ],
        description=_l("支持 Excel/WPS（.xlsx/.xls）、OpenDocument（.ods）和 CSV（UTF-8 或 GBK 编码）"),
    )
    year = IntegerField(
        _l("年度"), validators=[Optional(), NumberRange(2000, 2100, _l("年度应为四位年份"))],
        description=_l("表中没有“年度”列、标题中也没有“2023年度”时使用"),
    )
    district = SelectField(
        _l("来源区县"), choices=[("", _l("（不指定）"))] + list(DISTRICTS.items()),
        description=_l("报送表格的区县科技局；用于记住列对应关系，并补全代码中看不出区县的企业"),
        validate_choice=False,  # not sent = not specified; checked below
    )

    def validate_year(self, field: IntegerField) -> None:
        from crm.clock import today
        from crm.reports.consistency import fiscal_year_problem

        if field.data is not None:
            problem = fiscal_year_problem(field.data, today())
            if problem:
                raise ValidationError(problem)

    def validate_district(self, field: SelectField) -> None:
        if field.data and field.data not in DISTRICTS:
            raise ValidationError(_l("请选择江门市的区（市）"))


class ListOptionsForm(ListOptionsMixin, FlaskForm):
    """The preview's choice of kind, designation kind and date, changed without uploading again."""

    class Meta:
        csrf = False  # part of the preview's form, which carries the token

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = kind_choices(auto=False)
