"""Forms of the imports area."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import IntegerField, SelectField
from wtforms.validators import NumberRange, Optional, ValidationError

from crm.districts import DISTRICTS
from importers.readers import SPREADSHEET_EXTENSIONS


class UploadForm(FlaskForm):
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
