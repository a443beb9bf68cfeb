"""Reports: service metrics over a period, computed by SQL aggregates.

A read-only projection of the tickets tables (like :mod:`itsm.tickets.queries`):
no ticket row is ever loaded into Python; usernames come from the users service.
Entry point: :func:`itsm.reports.service.service_report`.

Definitions (the period is ``[start, end)``, UTC):

- **opened**: tickets whose ``created_at`` is in the period; ``opened_by_status``
  splits them by their status now.
- **closed**: ``closed_at`` in the period. **resolved**: ``resolved_at`` in the
  period (a ticket closed without passing through ``resolved`` has its
  ``resolved_at`` set when closed; a reopened ticket has neither).
- **backlog**: tickets created before ``end`` whose *current* status is active
  (open, in_progress, pending). The tickets table keeps no status history, so
  this is exact when ``end`` is now (the default) and, for a past ``end``, an
  approximation: the state at report time of the tickets that existed at
  ``end``. Its age is ``end - created_at``: mean, median and maximum, in hours.
- **time to acknowledge**: ``first_response_at - created_at`` of the tickets
  created in the period that have a first response (whenever it came).
  **time to resolve**: ``resolved_at - created_at`` of the tickets resolved in
  the period. Mean, median and 90th percentile, in hours.
- **percentiles**: linear interpolation between closest ranks (PostgreSQL's
  ``percentile_cont``), on durations rounded to whole seconds, the same on both
  databases (see :mod:`itsm.reports.percentiles`).
- **SLA compliance**, over the tickets created in the period that have the due
  time: *first response* met when ``first_response_at <= first_response_due_at``,
  breached when later, or when there is no response and the due time is before
  ``end``; otherwise pending (not judged). *Resolution* likewise with
  ``resolved_at`` and ``resolution_due_at``. Percent met = met / (met + breached).
- **satisfaction**: over the tickets resolved in the period, the average
  ``satisfaction_rating`` of those rated; response rate = rated / resolved.
- **per technician** (assignee; one row gathers unassigned tickets and time
  logged by no one): active load now (active tickets assigned to them at report
  time), tickets they resolved in the period, time spent (sum of
  ``ticket_comments.time_spent_minutes`` they wrote in the period), and the
  resolution SLA of the tickets they resolved in the period (met when
  ``resolved_at <= resolution_due_at``; tickets without a due time not judged).
- **per category and per priority**: opened, resolved and mean time to resolve,
  with the definitions above.

Durations are in hours (4 decimals), percentages 0..100 (2 decimals); a figure
over no tickets is ``None``.
"""
