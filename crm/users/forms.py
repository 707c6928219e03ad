from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField, SubmitField
from wtforms import Field
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from crm.districts import DISTRICTS
from crm.models import ApiToken, User
from crm.models.lengths import TOO_LONG, column_length
from crm.models.user import ROLE_LABELS, password_problem


def PASSWORD_RULE(_form: FlaskForm, field: Field) -> None:  # noqa: N802 - used like the validator classes
    """The one password rule (crm.models.user.password_problem), at the field."""
    problem = password_problem(field.data)
    if problem:
        raise ValidationError(problem)


class UserForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(_l("请输入用户名")), column_length(User, "username")])
    display_name = StringField(_l("姓名"), validators=[Optional(), column_length(User, "display_name")])
    email = StringField(
        _l("电子邮箱"), validators=[Optional(), Email(_l("电子邮箱格式不正确")), column_length(User, "email")]
    )
    role = SelectField(_l("角色"), choices=[(r.value, label) for r, label in ROLE_LABELS.items()])
    district_code = SelectField(
        _l("所属区（市）"), choices=[("", _l("（无）"))] + list(DISTRICTS.items()), validators=[Optional()]
    )
    enterprise_uscc = StringField(
        _l("企业统一社会信用代码"), validators=[Optional(), Length(max=30, message=TOO_LONG)], description=_l("仅企业用户填写")
    )
    password = PasswordField(_l("初始密码"), validators=[DataRequired(_l("请输入密码")), PASSWORD_RULE])
    submit = SubmitField(_l("创建用户"))


class PasswordResetForm(FlaskForm):
    password = PasswordField(_l("新密码"), validators=[DataRequired(_l("请输入密码")), PASSWORD_RULE])
    submit = SubmitField(_l("重设密码"))


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("当前密码"), validators=[DataRequired(_l("请输入当前密码"))])
    password = PasswordField(_l("新密码"), validators=[DataRequired(_l("请输入新密码")), PASSWORD_RULE])
    confirm = PasswordField(
        _l("确认新密码"), validators=[DataRequired(_l("请再次输入新密码")), EqualTo("password", _l("两次输入的密码不一致"))]
    )
    submit = SubmitField(_l("修改密码"))


class TokenForm(FlaskForm):
    name = StringField(_l("令牌用途"), validators=[DataRequired(_l("请说明令牌用途")), column_length(ApiToken, "name")])
    submit = SubmitField(_l("生成令牌"))
