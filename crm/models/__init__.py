"""All models, importable from one place (and so known to Alembic)."""
from crm.models.annual_report import (
    COUNT_FIELDS,
    FIGURE_FIELDS,
    MONEY_FIELDS,
    AnnualReport,
    ReportStatus,
)
from crm.models.audit import AuditAction, AuditLog
from crm.models.contact import ContactKind, ContactNote
from crm.models.declaration import FactDeclaration, IpGrade, ProductField
from crm.models.designation import Designation, DesignationKind, DesignationSource
from crm.models.district import District, Town
from crm.models.enterprise import DistrictMove, Enterprise, FormerName, HitechField, Industry
from crm.models.flag import (
    Flag,
    HandledStatus,
    JobLease,
    JobRun,
    JobStatus,
    Notification,
    RuleParameter,
)
from crm.models.import_batch import BatchStatus, HeaderMapping, ImportBatch, ImportIssue, IssueKind, PendingImport
from crm.models.indicator import Plan, PlanTarget
from crm.models.innovation import InnovationRound, InnovationScheme, InnovationScore
from crm.models.platform import Platform, PlatformKind, PlatformLevel
from crm.models.portal import Attachment, ChangeRequest, ChangeRequestStatus, Invitation
from crm.models.stored_file import FilePurpose, StoredFile, StoredFileChunk
from crm.models.support import Honour, HonourKind, SupportKind, SupportRecord
from crm.models.talent import Talent, TalentCategory, TalentProgramme
from crm.models.user import ApiToken, LoginAttempt, Role, User, UserSession

__all__ = [
    "AnnualReport", "ApiToken", "Attachment", "AuditAction", "AuditLog", "BatchStatus",
    "COUNT_FIELDS", "ChangeRequest", "ChangeRequestStatus", "ContactKind", "ContactNote",
    "Designation", "DesignationKind", "DesignationSource", "District", "DistrictMove", "Enterprise", "FactDeclaration",
    "FIGURE_FIELDS", "FilePurpose", "Flag", "FormerName", "HandledStatus", "HeaderMapping", "HitechField", "Honour",
    "HonourKind", "ImportBatch", "InnovationRound", "InnovationScheme", "InnovationScore", "IpGrade", "ImportIssue", "IssueKind", "Industry", "Invitation", "JobLease", "JobRun", "JobStatus",
    "LoginAttempt", "MONEY_FIELDS", "Notification", "PendingImport", "Plan", "PlanTarget", "Platform", "PlatformKind",
    "PlatformLevel", "ProductField", "ReportStatus", "Role", "RuleParameter", "StoredFile", "StoredFileChunk", "SupportKind", "SupportRecord",
    "Talent", "TalentCategory", "TalentProgramme", "Town", "User", "UserSession",
]
