"""Validated shapes of diagnostics input and output over the API.

A batch is a list of reports, or of envelopes carrying a report with the watch
loop's debounced decisions (docs/diagnostics-report.md, "Sending reports to a
server"). Pydantic only, no SQLAlchemy: the agent imports this module.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, Self
from uuid import UUID

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    model_validator,
)

from itsm.diagnostics.findings import Check, Finding
from itsm.diagnostics.report import Report
from itsm.diagnostics.severity import Severity

#: Most reports one request may carry (the body size limit applies too).
MAX_BATCH = 500
_MAX_DECISIONS = 10_000


class FindingKey(BaseModel):
    """Names one finding of the report: ``(check, subject)``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    check: Check
    subject: str = Field(max_length=1000)

    @property
    def key(self) -> tuple[Check, str]:
        return (self.check, self.subject)


class ActiveProblem(FindingKey):
    """A finding the agent holds active, at its active (debounced) severity."""

    severity: Literal[Severity.WARNING, Severity.CRITICAL]


class TicketDecisions(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    problems: list[ActiveProblem] = Field(default_factory=list, max_length=_MAX_DECISIONS)
    recoveries: list[FindingKey] = Field(default_factory=list, max_length=_MAX_DECISIONS)


class ReportEnvelope(BaseModel):
    """A report with the agent's debounced ticket decisions (what ``diag watch`` sends)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    report: Report
    tickets: TicketDecisions

    @model_validator(mode="after")
    def _decisions_name_findings(self) -> Self:
        findings = {f.key: f for f in self.report.checks}
        for problem in self.tickets.problems:
            found = findings.get(problem.key)
            if found is None or not found.severity.is_problem:
                raise ValueError(
                    f"problem {problem.check.value} {problem.subject!r} is not a warning or "
                    "critical finding of the report"
                )
        for recovery in self.tickets.recoveries:
            found = findings.get(recovery.key)
            if found is None or found.severity is not Severity.HEALTHY:
                raise ValueError(
                    f"recovery {recovery.check.value} {recovery.subject!r} is not a healthy "
                    "finding of the report"
                )
        return self

    def decisions(self) -> tuple[list[Finding], list[Finding]]:
        """The findings to ticket (at their active severity) and the ones to settle."""
        findings = {f.key: f for f in self.report.checks}
        problems = [
            findings[p.key].model_copy(update={"severity": p.severity})
            for p in self.tickets.problems
        ]
        recoveries = [findings[r.key] for r in self.tickets.recoveries]
        return problems, recoveries


def _item_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "envelope" if "report" in value else "report"
    return "envelope" if isinstance(value, ReportEnvelope) else "report"


BatchItem = Annotated[
    Annotated[Report, Tag("report")] | Annotated[ReportEnvelope, Tag("envelope")],
    Discriminator(_item_kind),
]


class TicketChanges(BaseModel):
    """Ticket numbers a report opened, commented on, escalated and resolved."""

    opened: list[str] = Field(default_factory=list)
    commented: list[str] = Field(default_factory=list)
    escalated: list[str] = Field(default_factory=list)
    resolved: list[str] = Field(default_factory=list)


class IngestedReport(BaseModel):
    id: int | None = Field(
        description="id of the stored report; null for a duplicate of another host's report"
    )
    report_id: UUID
    status: Literal["stored", "duplicate"] = Field(
        description="duplicate: this report_id was already stored; nothing was changed"
    )
    asset_id: int | None = Field(description="the host's inventory item")
    tickets: TicketChanges


class IngestResult(BaseModel):
    received: int
    stored: int
    duplicates: int
    results: list[IngestedReport] = Field(description="one per report, in the order sent")


class ReportSummary(BaseModel):
    """A history line: when, which host, overall severity and how many problems."""

    id: int
    report_id: UUID
    host: str
    asset_id: int | None
    collected_at: datetime
    severity: Severity
    problems: int = Field(description="warning and critical findings")
    check: dict[str, dict[str, Any]] | None = Field(
        default=None, description="with ?check=: that check's severity and value per subject"
    )


class ReportRead(BaseModel):
    id: int
    report_id: UUID
    host: str
    asset_id: int | None
    collected_at: datetime
    created_at: datetime
    severity: Severity
    report: Report
