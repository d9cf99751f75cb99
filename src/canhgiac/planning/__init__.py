"""The district plan: its shipped template, its duties and its reporting periods."""

from canhgiac.planning.period import Period, period_from_string
from canhgiac.planning.template import (
    ContentItem,
    PlanDuty,
    PlanTemplate,
    PlanUnitSection,
    default_plan,
    dump_plan,
    load_plan,
    next_year,
)

__all__ = [
    "ContentItem",
    "Period",
    "PlanDuty",
    "PlanTemplate",
    "PlanUnitSection",
    "default_plan",
    "dump_plan",
    "load_plan",
    "next_year",
    "period_from_string",
]
