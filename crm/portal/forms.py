"""Forms of the portal. Figures are typed as text and parsed by crm.portal.services (one parser)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField, DateField, EmailField, HiddenField, IntegerField, PasswordField, SelectField, StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from crm.forms import must_choose
from crm.models import Enterprise, Invitation, Platform, Talent, User
from crm.models.enterprise import HITECH_FIELD_NAMES
from crm.models.lengths import TOO_LONG, column_length
from crm.models.platform import PLATFORM_KIND_LABELS, PLATFORM_LEVEL_LABELS
from crm.models.talent import TALENT_CATEGORY_LABELS, TALENT_PROGRAMME_LABELS
from crm.models.user import MIN_PASSWORD_LENGTH
from crm.portal.services import FIGURES, SECTIONS


class _ReportFormBase(FlaskForm):
    version_id = HiddenField()
    change_explanation = TextAreaField(
        _l("变动说明"),
        validators=[Optional(), Length(max=2000, message=TOO_LONG)],
        description=_l("与上一年度相比变动超过50%的数据，请说明原因（如新增生产线、并购、统计口径调整等）。"),
    )


def _figure_field(name: str) -> StringField:
    figure = FIGURES[name]
    # Lazy, so the label is translated when the page is rendered, not frozen at import.
    return StringField(_l("%(label)s（%(unit)s）", label=figure.label, unit=figure.unit), description=figure.help,
                       render_kw={"inputmode": "decimal", "autocomplete": "off"})


# One text input per figure, in section order; values are parsed by services.parse_figures.
AnnualReportForm = type(
    "AnnualReportForm",
    (_ReportFormBase,),
    {f.name: _figure_field(f.name) for s in SECTIONS for f in s.figures},
)


class YearForm(FlaskForm):
    year = SelectField(_l("会计年度"), coerce=int)


class AttachmentForm(FlaskForm):
    file = FileField(_l("附件"), description=_l("支持 PDF、PNG、JPEG、XLSX，单个文件不超过10 MB。"))


class DeleteForm(FlaskForm):
    """An empty form: just the CSRF token for a delete button."""


def _password_fields() -> tuple[PasswordField, PasswordField]:
    return (
        PasswordField(_l("密码"), validators=[DataRequired(_l("请输入密码"))],
                      description=_l("至少%(n)s个字符。", n=MIN_PASSWORD_LENGTH)),
        PasswordField(_l("确认密码"), validators=[DataRequired(_l("请再次输入密码"))]),
    )


class SignupForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(_l("请输入用户名")), column_length(User, "username")])
    display_name = StringField(_l("姓名"), validators=[Optional(), column_length(User, "display_name")])
    email = EmailField(_l("电子邮箱"),
                       validators=[Optional(), Email(_l("电子邮箱格式不正确")), column_length(User, "email")],
                       description=_l("用于找回密码，可不填。"))
    password, confirm = _password_fields()


class ResetForm(FlaskForm):
    password, confirm = _password_fields()


class ForgotForm(FlaskForm):
    login = StringField(_l("用户名或电子邮箱"), validators=[DataRequired(_l("请输入用户名或电子邮箱")),
                                                                   column_length(User, "email")])


class CreateUserForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(_l("请输入用户名")), column_length(User, "username")])
    display_name = StringField(_l("姓名"), validators=[Optional(), column_length(User, "display_name")])
    email = EmailField(_l("电子邮箱"),
                       validators=[Optional(), Email(_l("电子邮箱格式不正确")), column_length(User, "email")])


class InviteForm(FlaskForm):
    email = EmailField(_l("对方电子邮箱（可选）"),
                       validators=[Optional(), Email(_l("电子邮箱格式不正确")), column_length(Invitation, "email")],
                       description=_l("配置了邮件服务时，链接会同时发送到该邮箱。"))


class ProfileChangeForm(FlaskForm):
    name = StringField(_l("企业名称"), validators=[DataRequired(_l("请输入企业名称")), column_length(Enterprise, "name")])
    town = StringField(_l("镇街/园区"), validators=[Optional(), column_length(Enterprise, "town")])
    address = StringField(_l("地址"), validators=[Optional(), column_length(Enterprise, "address")])
    contact_person = StringField(_l("联系人"), validators=[Optional(), column_length(Enterprise, "contact_person")])
    contact_phone = StringField(_l("联系电话"), validators=[Optional(), column_length(Enterprise, "contact_phone")])
    contact_email = EmailField(_l("联系邮箱"), validators=[
        Optional(), Email(_l("联系邮箱格式不正确")), column_length(Enterprise, "contact_email"),
    ])
    industry_code = SelectField(_l("所属行业"), validators=[Optional()])
    hitech_field = SelectField(
        _l("技术领域"), validators=[Optional()],
        choices=[("", "—")] + [(k.value, v) for k, v in HITECH_FIELD_NAMES.items()],
    )
    founded_on = DateField(_l("成立日期"), validators=[Optional()])

    def __init__(self, *args: object, **kwargs: object) -> None:
        from crm.clock import today

        super().__init__(*args, **kwargs)
        # The date picker's latest date is today's, not the day the server started.
        self.founded_on.render_kw = {"max": today().isoformat()}

    def validate_founded_on(self, field: DateField) -> None:
        from wtforms.validators import ValidationError

        from crm.clock import today

        if field.data and field.data > today():
            raise ValidationError(_l("成立日期不能晚于今天。"))


class PlatformRequestForm(FlaskForm):
    # No preselected type or level: a firm that skips the field must not claim a national platform.
    kind = must_choose(_l("类型"), PLATFORM_KIND_LABELS, _l("请选择研发机构/载体的类型"))
    level = must_choose(_l("级别"), PLATFORM_LEVEL_LABELS, _l("请选择研发机构/载体的级别"))
    name = StringField(_l("名称"), validators=[DataRequired(_l("请输入研发机构/载体名称")),
                                                   column_length(Platform, "name")])
    recognized_on = DateField(_l("认定日期"), validators=[Optional()])


class TalentRequestForm(FlaskForm):
    category = must_choose(_l("类别"), TALENT_CATEGORY_LABELS, _l("请选择人才/团队的类别"))
    name = StringField(_l("姓名/团队名称"), validators=[DataRequired(_l("请输入姓名或团队名称")),
                                                        column_length(Talent, "name")])
    programme = must_choose(_l("人才计划"), TALENT_PROGRAMME_LABELS, _l("请选择人才计划（没有对应计划的选“其他”）"))
    year = IntegerField(_l("入选年份"), validators=[
        DataRequired(_l("请输入入选年份")), NumberRange(1980, 2100, _l("入选年份应在1980–2100之间")),
    ])
    is_team = BooleanField(_l("团队"))
    high_end = BooleanField(_l("高端创新创业人才团队"))


class RemovalForm(FlaskForm):
    reason = StringField(_l("删除原因"), validators=[Optional(), Length(max=500, message=TOO_LONG)])


class DecisionForm(FlaskForm):
    note = TextAreaField(_l("审核意见"), validators=[Optional(), Length(max=2000, message=TOO_LONG)],
                         description=_l("驳回时必填，企业可看到该意见。"))
