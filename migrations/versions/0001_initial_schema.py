"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 19:45:35.330376

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('district',
    sa.Column('code', sa.String(length=6), nullable=False),
    sa.Column('name', sa.String(length=20), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_district')),
    sa.UniqueConstraint('name', name=op.f('uq_district_name'))
    )
    op.create_table('industry',
    sa.Column('code', sa.String(length=4), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_industry'))
    )
    op.create_table('job_lease',
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('holder', sa.String(length=120), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_job_lease'))
    )
    op.create_table('job_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job', sa.String(length=40), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=True),
    sa.Column('trigger', sa.String(length=20), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('status', sa.Enum('running', 'succeeded', 'failed', name='jobstatus', native_enum=False, length=32), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('errors', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_run'))
    )
    with op.batch_alter_table('job_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_run_job'), ['job'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_run_started_at'), ['started_at'], unique=False)

    op.create_table('login_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('remote_addr', sa.String(length=64), nullable=False),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_attempt'))
    )
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_attempt_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_attempt_remote_addr'), ['remote_addr'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_attempt_username'), ['username'], unique=False)

    op.create_table('town',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('district_code', sa.String(length=6), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('is_park', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['district_code'], ['district.code'], name=op.f('fk_town_district_code_district')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_town')),
    sa.UniqueConstraint('district_code', 'name', name=op.f('uq_town_district_code'))
    )
    with op.batch_alter_table('town', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_town_district_code'), ['district_code'], unique=False)

    op.create_table('user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=100), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('password_hash', sa.String(length=256), nullable=False),
    sa.Column('role', sa.Enum('admin', 'bureau', 'officer', 'enterprise', name='role', native_enum=False, length=32), nullable=False),
    sa.Column('district_code', sa.String(length=6), nullable=True),
    sa.Column('enterprise_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('locale', sa.String(length=10), nullable=True),
    sa.Column('last_login_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("role <> 'enterprise' OR enterprise_id IS NOT NULL", name=op.f('ck_user_enterprise_user_has_firm')),
    sa.CheckConstraint("role <> 'officer' OR district_code IS NOT NULL", name=op.f('ck_user_officer_has_district')),
    sa.ForeignKeyConstraint(['district_code'], ['district.code'], name=op.f('fk_user_district_code_district')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_user_enterprise_id_enterprise'), ondelete='CASCADE', use_alter=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_user_updated_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user')),
    sa.UniqueConstraint('username', name=op.f('uq_user_username'))
    )
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_district_code'), ['district_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_user_enterprise_id'), ['enterprise_id'], unique=False)

    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_used_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_api_token_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_token_token_hash'))
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_user_id'), ['user_id'], unique=False)

    op.create_table('enterprise',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_initials', sa.String(length=200), nullable=False),
    sa.Column('district_code', sa.String(length=6), nullable=False),
    sa.Column('district_overridden', sa.Boolean(), nullable=False),
    sa.Column('town', sa.String(length=50), nullable=True),
    sa.Column('founded_on', sa.Date(), nullable=True),
    sa.Column('industry_code', sa.String(length=4), nullable=True),
    sa.Column('hitech_field', sa.Enum('electronics', 'biomedicine', 'aerospace', 'new_materials', 'hitech_services', 'new_energy', 'environment', 'advanced_manufacturing', name='hitechfield', native_enum=False, length=32), nullable=True),
    sa.Column('above_size', sa.Boolean(), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('contact_person', sa.String(length=50), nullable=True),
    sa.Column('contact_phone', sa.String(length=50), nullable=True),
    sa.Column('contact_email', sa.String(length=200), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('assigned_officer_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['assigned_officer_id'], ['user.id'], name=op.f('fk_enterprise_assigned_officer_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['district_code'], ['district.code'], name=op.f('fk_enterprise_district_code_district')),
    sa.ForeignKeyConstraint(['industry_code'], ['industry.code'], name=op.f('fk_enterprise_industry_code_industry')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_enterprise_updated_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enterprise')),
    sa.UniqueConstraint('uscc', name=op.f('uq_enterprise_uscc'))
    )
    with op.batch_alter_table('enterprise', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enterprise_above_size'), ['above_size'], unique=False)
        batch_op.create_index(batch_op.f('ix_enterprise_assigned_officer_id'), ['assigned_officer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enterprise_district_code'), ['district_code'], unique=False)
        batch_op.create_index('ix_enterprise_district_name', ['district_code', 'name'], unique=False)
        batch_op.create_index(batch_op.f('ix_enterprise_industry_code'), ['industry_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_enterprise_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_enterprise_name_initials'), ['name_initials'], unique=False)

    # user.enterprise_id closes the enterprise <-> user cycle (use_alter): SQLite
    # created it inline with "user", elsewhere it is added now that both exist.
    if op.get_bind().dialect.name != 'sqlite':
        op.create_foreign_key(op.f('fk_user_enterprise_id_enterprise'), 'user', 'enterprise', ['enterprise_id'], ['id'], ondelete='CASCADE')

    op.create_table('header_mapping',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=100), nullable=False),
    sa.Column('mapping', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_header_mapping_updated_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_header_mapping')),
    sa.UniqueConstraint('source', name=op.f('uq_header_mapping_source'))
    )
    op.create_table('import_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('source_district', sa.String(length=6), nullable=True),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('imported', 'rolled_back', name='batchstatus', native_enum=False, length=32), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('errors', sa.JSON(), nullable=False),
    sa.Column('skipped', sa.JSON(), nullable=False),
    sa.Column('unknown_columns', sa.JSON(), nullable=False),
    sa.Column('rolled_back_at', sa.DateTime(), nullable=True),
    sa.Column('rolled_back_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['rolled_back_by_id'], ['user.id'], name=op.f('fk_import_batch_rolled_back_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['source_district'], ['district.code'], name=op.f('fk_import_batch_source_district_district')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_import_batch_user_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_batch'))
    )
    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_batch_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_batch_file_sha256'), ['file_sha256'], unique=False)

    op.create_table('plan_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan', sa.String(length=10), nullable=False),
    sa.Column('jurisdiction', sa.String(length=10), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('category', sa.String(length=100), nullable=False),
    sa.Column('baseline_year', sa.Integer(), nullable=True),
    sa.Column('baseline_value', sa.Numeric(precision=18, scale=4), nullable=True),
    sa.Column('targets', sa.JSON(), nullable=False),
    sa.Column('nature', sa.String(length=10), nullable=False),
    sa.Column('computable', sa.String(length=60), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_plan_target_updated_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_target')),
    sa.UniqueConstraint('plan', 'code', name=op.f('uq_plan_target_plan'))
    )
    with op.batch_alter_table('plan_target', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_target_jurisdiction'), ['jurisdiction'], unique=False)

    op.create_table('rule_parameter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('value', sa.String(length=40), nullable=False),
    sa.Column('effective_year', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_rule_parameter_updated_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rule_parameter')),
    sa.UniqueConstraint('rule', 'name', 'effective_year', name=op.f('uq_rule_parameter_rule'))
    )
    op.create_table('annual_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'submitted', 'verified', 'returned', name='reportstatus', native_enum=False, length=32), nullable=False),
    sa.Column('revenue', sa.Numeric(precision=16, scale=4), nullable=True),
    sa.Column('total_revenue', sa.Numeric(precision=16, scale=4), nullable=True),
    sa.Column('rd_expense', sa.Numeric(precision=16, scale=4), nullable=True),
    sa.Column('rd_expense_domestic', sa.Numeric(precision=16, scale=4), nullable=True),
    sa.Column('hitech_revenue', sa.Numeric(precision=16, scale=4), nullable=True),
    sa.Column('total_assets', sa.Numeric(precision=16, scale=4), nullable=True),
    sa.Column('net_assets', sa.Numeric(precision=16, scale=4), nullable=True),
    sa.Column('net_profit', sa.Numeric(precision=16, scale=4), nullable=True),
    sa.Column('total_costs', sa.Numeric(precision=16, scale=4), nullable=True),
    sa.Column('employees', sa.Integer(), nullable=True),
    sa.Column('tech_staff', sa.Integer(), nullable=True),
    sa.Column('rd_staff', sa.Integer(), nullable=True),
    sa.Column('ip_class1', sa.Integer(), nullable=True),
    sa.Column('ip_class2', sa.Integer(), nullable=True),
    sa.Column('change_explanation', sa.Text(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('verified_at', sa.DateTime(), nullable=True),
    sa.Column('verified_by_id', sa.Integer(), nullable=True),
    sa.Column('return_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('employees IS NULL OR employees >= 0', name=op.f('ck_annual_report_employees_non_negative')),
    sa.CheckConstraint('hitech_revenue IS NULL OR hitech_revenue >= 0', name=op.f('ck_annual_report_hitech_revenue_non_negative')),
    sa.CheckConstraint('ip_class1 IS NULL OR ip_class1 >= 0', name=op.f('ck_annual_report_ip_class1_non_negative')),
    sa.CheckConstraint('ip_class2 IS NULL OR ip_class2 >= 0', name=op.f('ck_annual_report_ip_class2_non_negative')),
    sa.CheckConstraint('rd_expense IS NULL OR rd_expense >= 0', name=op.f('ck_annual_report_rd_expense_non_negative')),
    sa.CheckConstraint('rd_expense_domestic IS NULL OR rd_expense IS NULL OR rd_expense_domestic <= rd_expense', name=op.f('ck_annual_report_domestic_rd_within_rd')),
    sa.CheckConstraint('rd_expense_domestic IS NULL OR rd_expense_domestic >= 0', name=op.f('ck_annual_report_rd_expense_domestic_non_negative')),
    sa.CheckConstraint('rd_staff IS NULL OR employees IS NULL OR rd_staff <= employees', name=op.f('ck_annual_report_rd_staff_within_employees')),
    sa.CheckConstraint('rd_staff IS NULL OR rd_staff >= 0', name=op.f('ck_annual_report_rd_staff_non_negative')),
    sa.CheckConstraint('revenue IS NULL OR revenue >= 0', name=op.f('ck_annual_report_revenue_non_negative')),
    sa.CheckConstraint('tech_staff IS NULL OR employees IS NULL OR tech_staff <= employees', name=op.f('ck_annual_report_tech_staff_within_employees')),
    sa.CheckConstraint('tech_staff IS NULL OR tech_staff >= 0', name=op.f('ck_annual_report_tech_staff_non_negative')),
    sa.CheckConstraint('total_assets IS NULL OR total_assets >= 0', name=op.f('ck_annual_report_total_assets_non_negative')),
    sa.CheckConstraint('total_costs IS NULL OR total_costs >= 0', name=op.f('ck_annual_report_total_costs_non_negative')),
    sa.CheckConstraint('total_revenue IS NULL OR total_revenue >= 0', name=op.f('ck_annual_report_total_revenue_non_negative')),
    sa.CheckConstraint('year BETWEEN 1980 AND 2100', name=op.f('ck_annual_report_year_plausible')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_annual_report_enterprise_id_enterprise'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_annual_report_updated_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['verified_by_id'], ['user.id'], name=op.f('fk_annual_report_verified_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_annual_report')),
    sa.UniqueConstraint('enterprise_id', 'year', name=op.f('uq_annual_report_enterprise_id'))
    )
    with op.batch_alter_table('annual_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_annual_report_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_annual_report_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_annual_report_submitted_at'), ['submitted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_annual_report_year'), ['year'], unique=False)

    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('action', sa.Enum('create', 'update', 'delete', name='auditaction', native_enum=False, length=10), nullable=False),
    sa.Column('entity', sa.String(length=50), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=True),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('job_run_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], name=op.f('fk_audit_log_batch_id_import_batch'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['job_run_id'], ['job_run.id'], name=op.f('fk_audit_log_job_run_id_job_run'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_audit_log_user_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index('ix_audit_log_enterprise_at', ['enterprise_id', 'at'], unique=False)
        batch_op.create_index('ix_audit_log_entity', ['entity', 'entity_id'], unique=False)

    op.create_table('change_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'approved', 'rejected', name='changerequeststatus', native_enum=False, length=32), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_change_request_decided_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_change_request_enterprise_id_enterprise'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user.id'], name=op.f('fk_change_request_requested_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_change_request'))
    )
    with op.batch_alter_table('change_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_change_request_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_change_request_status'), ['status'], unique=False)

    op.create_table('contact_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('visit', 'call', 'note', name='contactkind', native_enum=False, length=32), nullable=False),
    sa.Column('happened_on', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_contact_note_enterprise_id_enterprise'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['officer_id'], ['user.id'], name=op.f('fk_contact_note_officer_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_contact_note_updated_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_note'))
    )
    with op.batch_alter_table('contact_note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_note_enterprise_id'), ['enterprise_id'], unique=False)

    op.create_table('designation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('incubated', 'tech_sme', 'hitech', 'gazelle', 'little_giant', 'listed', 'tech_micro', 'hitech_reserve', 'eaglet', 'srdi_sme', 'leader', 'golden_seed', name='designationkind', native_enum=False, length=32), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('certificate_no', sa.String(length=64), nullable=True),
    sa.Column('authority', sa.String(length=100), nullable=True),
    sa.Column('source', sa.Enum('import', 'officer', 'rule', 'enterprise', 'demo', name='designationsource', native_enum=False, length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('valid_to IS NULL OR valid_to >= valid_from', name=op.f('ck_designation_valid_period')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_designation_enterprise_id_enterprise'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_designation_updated_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_designation'))
    )
    with op.batch_alter_table('designation', schema=None) as batch_op:
        batch_op.create_index('ix_designation_kind_validity', ['kind', 'valid_to', 'valid_from'], unique=False)
        batch_op.create_index('ix_designation_validity', ['enterprise_id', 'kind', 'valid_from', 'valid_to'], unique=False)

    op.create_table('flag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=40), nullable=False),
    sa.Column('raised_on', sa.Date(), nullable=False),
    sa.Column('cleared_on', sa.Date(), nullable=True),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('gaps', sa.JSON(), nullable=False),
    sa.Column('result_digest', sa.String(length=64), nullable=False),
    sa.Column('evaluated_on', sa.Date(), nullable=True),
    sa.Column('handled_status', sa.Enum('contacted', 'applied', 'declined', name='handledstatus', native_enum=False, length=32), nullable=True),
    sa.Column('handled_note', sa.Text(), nullable=True),
    sa.Column('handled_by_id', sa.Integer(), nullable=True),
    sa.Column('handled_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_flag_enterprise_id_enterprise'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['handled_by_id'], ['user.id'], name=op.f('fk_flag_handled_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flag'))
    )
    with op.batch_alter_table('flag', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_flag_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index('ix_flag_rule_open', ['rule', 'cleared_on'], unique=False)
        batch_op.create_index('uq_flag_open', ['enterprise_id', 'rule'], unique=True, sqlite_where=sa.text('cleared_on IS NULL'), postgresql_where=sa.text('cleared_on IS NULL'))

    op.create_table('honour',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('national_science_award', 'provincial_science_award', 'led_national_standard', 'led_industry_standard', 'equity_raised', name='honourkind', native_enum=False, length=32), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=16, scale=4), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('amount IS NULL OR amount >= 0', name=op.f('ck_honour_amount_non_negative')),
    sa.CheckConstraint('year BETWEEN 1980 AND 2100', name=op.f('ck_honour_year_plausible')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_honour_enterprise_id_enterprise'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_honour_updated_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_honour'))
    )
    with op.batch_alter_table('honour', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_honour_enterprise_id'), ['enterprise_id'], unique=False)

    op.create_table('invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_invitation_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_invitation_enterprise_id_enterprise'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_invitation_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitation')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_invitation_token_hash'))
    )
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitation_enterprise_id'), ['enterprise_id'], unique=False)

    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=300), nullable=True),
    sa.Column('enterprise_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.Column('emailed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_notification_enterprise_id_enterprise'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_notification_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index('ix_notification_user_read', ['user_id', 'read_at'], unique=False)

    op.create_table('platform',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('engineering_center', 'enterprise_tech_center', 'key_lab', 'new_rd_institution', 'tech_innovation_center', 'postdoc_station', 'academician_workstation', 'incubator', 'maker_space', 'star_space', 'accelerator', name='platformkind', native_enum=False, length=32), nullable=False),
    sa.Column('level', sa.Enum('national', 'provincial', 'municipal', name='platformlevel', native_enum=False, length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('recognized_on', sa.Date(), nullable=True),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('valid_to IS NULL OR recognized_on IS NULL OR valid_to >= recognized_on', name=op.f('ck_platform_valid_period')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_platform_enterprise_id_enterprise'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_platform_updated_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_platform'))
    )
    with op.batch_alter_table('platform', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_platform_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index('ix_platform_kind_level', ['kind', 'level'], unique=False)

    op.create_table('support_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('subsidy', 'loan', 'investment', 'voucher', name='supportkind', native_enum=False, length=32), nullable=False),
    sa.Column('programme', sa.String(length=200), nullable=False),
    sa.Column('amount', sa.Numeric(precision=16, scale=4), nullable=False),
    sa.Column('granted_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_support_record_amount_non_negative')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_support_record_enterprise_id_enterprise'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_support_record_updated_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_support_record'))
    )
    with op.batch_alter_table('support_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_support_record_enterprise_id'), ['enterprise_id'], unique=False)

    op.create_table('talent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.Enum('academician', 'doctor', 'high_level', 'innovation_team', name='talentcategory', native_enum=False, length=32), nullable=False),
    sa.Column('is_team', sa.Boolean(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('programme', sa.Enum('pearl_river', 'national_thousand', 'national_ten_thousand', 'qiaodu', 'bay_area', 'academician_workstation', 'other', name='talentprogramme', native_enum=False, length=32), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('high_end', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('year BETWEEN 1980 AND 2100', name=op.f('ck_talent_year_plausible')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_talent_enterprise_id_enterprise'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_talent_updated_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_talent'))
    )
    with op.batch_alter_table('talent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_talent_enterprise_id'), ['enterprise_id'], unique=False)

    op.create_table('attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('annual_report_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('stored_name', sa.String(length=80), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['annual_report_id'], ['annual_report.id'], name=op.f('fk_attachment_annual_report_id_annual_report'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_attachment_enterprise_id_enterprise'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user.id'], name=op.f('fk_attachment_uploaded_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachment')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_attachment_stored_name'))
    )
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachment_annual_report_id'), ['annual_report_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachment_enterprise_id'), ['enterprise_id'], unique=False)



def downgrade():
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint(op.f('fk_user_enterprise_id_enterprise'), 'user', type_='foreignkey')
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachment_enterprise_id'))
        batch_op.drop_index(batch_op.f('ix_attachment_annual_report_id'))

    op.drop_table('attachment')
    with op.batch_alter_table('talent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_talent_enterprise_id'))

    op.drop_table('talent')
    with op.batch_alter_table('support_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_support_record_enterprise_id'))

    op.drop_table('support_record')
    with op.batch_alter_table('platform', schema=None) as batch_op:
        batch_op.drop_index('ix_platform_kind_level')
        batch_op.drop_index(batch_op.f('ix_platform_enterprise_id'))

    op.drop_table('platform')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_user_read')
        batch_op.drop_index(batch_op.f('ix_notification_enterprise_id'))

    op.drop_table('notification')
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitation_enterprise_id'))

    op.drop_table('invitation')
    with op.batch_alter_table('honour', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_honour_enterprise_id'))

    op.drop_table('honour')
    with op.batch_alter_table('flag', schema=None) as batch_op:
        batch_op.drop_index('uq_flag_open', sqlite_where=sa.text('cleared_on IS NULL'), postgresql_where=sa.text('cleared_on IS NULL'))
        batch_op.drop_index('ix_flag_rule_open')
        batch_op.drop_index(batch_op.f('ix_flag_enterprise_id'))

    op.drop_table('flag')
    with op.batch_alter_table('designation', schema=None) as batch_op:
        batch_op.drop_index('ix_designation_validity')
        batch_op.drop_index('ix_designation_kind_validity')

    op.drop_table('designation')
    with op.batch_alter_table('contact_note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_note_enterprise_id'))

    op.drop_table('contact_note')
    with op.batch_alter_table('change_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_change_request_status'))
        batch_op.drop_index(batch_op.f('ix_change_request_enterprise_id'))

    op.drop_table('change_request')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_entity')
        batch_op.drop_index('ix_audit_log_enterprise_at')
        batch_op.drop_index(batch_op.f('ix_audit_log_batch_id'))
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))

    op.drop_table('audit_log')
    with op.batch_alter_table('annual_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_annual_report_year'))
        batch_op.drop_index(batch_op.f('ix_annual_report_submitted_at'))
        batch_op.drop_index(batch_op.f('ix_annual_report_status'))
        batch_op.drop_index(batch_op.f('ix_annual_report_enterprise_id'))

    op.drop_table('annual_report')
    op.drop_table('rule_parameter')
    with op.batch_alter_table('plan_target', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_target_jurisdiction'))

    op.drop_table('plan_target')
    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_batch_file_sha256'))
        batch_op.drop_index(batch_op.f('ix_import_batch_created_at'))

    op.drop_table('import_batch')
    op.drop_table('header_mapping')
    with op.batch_alter_table('enterprise', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enterprise_name_initials'))
        batch_op.drop_index(batch_op.f('ix_enterprise_name'))
        batch_op.drop_index(batch_op.f('ix_enterprise_industry_code'))
        batch_op.drop_index('ix_enterprise_district_name')
        batch_op.drop_index(batch_op.f('ix_enterprise_district_code'))
        batch_op.drop_index(batch_op.f('ix_enterprise_assigned_officer_id'))
        batch_op.drop_index(batch_op.f('ix_enterprise_above_size'))

    op.drop_table('enterprise')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_user_id'))

    op.drop_table('api_token')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_enterprise_id'))
        batch_op.drop_index(batch_op.f('ix_user_district_code'))

    op.drop_table('user')
    with op.batch_alter_table('town', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_town_district_code'))

    op.drop_table('town')
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_attempt_username'))
        batch_op.drop_index(batch_op.f('ix_login_attempt_remote_addr'))
        batch_op.drop_index(batch_op.f('ix_login_attempt_at'))

    op.drop_table('login_attempt')
    with op.batch_alter_table('job_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_run_started_at'))
        batch_op.drop_index(batch_op.f('ix_job_run_job'))

    op.drop_table('job_run')
    op.drop_table('job_lease')
    op.drop_table('industry')
    op.drop_table('district')
