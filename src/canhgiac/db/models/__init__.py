"""Every model, imported so that `Base.metadata` knows the whole schema."""

from canhgiac.db.models.actions import (
    Claim,
    FalsePositiveReport,
    IndicatorEntry,
    Recipient,
    TakedownRequest,
    Warning,
)
from canhgiac.db.models.audit import AuditEntry, AuditHead
from canhgiac.db.models.cases import (
    Case,
    CaseEvent,
    CaseItem,
    DeadlineRule,
    Notification,
    RoutingRule,
    SavedView,
    Webhook,
)
from canhgiac.db.models.intake import Evidence, EvidenceBlob, Item, ItemIndicator, Report, Source
from canhgiac.db.models.jobs import Job
from canhgiac.db.models.org import ApiToken, Unit, User
from canhgiac.db.models.plan import Activity, BudgetLine, Plan, PlanTask, ProgressReport

__all__ = [
    "Activity",
    "ApiToken",
    "AuditEntry",
    "AuditHead",
    "BudgetLine",
    "Case",
    "CaseEvent",
    "CaseItem",
    "Claim",
    "DeadlineRule",
    "Evidence",
    "EvidenceBlob",
    "FalsePositiveReport",
    "IndicatorEntry",
    "Item",
    "ItemIndicator",
    "Job",
    "Notification",
    "Plan",
    "PlanTask",
    "ProgressReport",
    "Recipient",
    "Report",
    "RoutingRule",
    "SavedView",
    "Source",
    "TakedownRequest",
    "Unit",
    "User",
    "Warning",
    "Webhook",
]
