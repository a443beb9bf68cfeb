"""Who may send Alertmanager notifications (see matrix.py).

Agent tokens (``itsm token create --agent alertmanager``) and staff tokens may;
end users may not. The case sends a resolved alert that has no ticket, which the
receiver answers with "ignored" and no change, so every role can share one seed.
"""

from __future__ import annotations

from tests.e2e.api.matrix import STAFF, Case

SENDERS = STAFF | {"agent"}

RESOLVED_WITHOUT_TICKET = {
    "version": "4",
    "groupKey": '{}:{alertname="MatrixCheck"}',
    "status": "resolved",
    "receiver": "itsm",
    "groupLabels": {"alertname": "MatrixCheck"},
    "commonLabels": {"alertname": "MatrixCheck"},
    "commonAnnotations": {},
    "externalURL": "http://alertmanager:9093",
    "alerts": [
        {
            "status": "resolved",
            "labels": {"alertname": "MatrixCheck", "severity": "warning"},
            "annotations": {"summary": "Only a check of who may send alerts"},
            "startsAt": "2026-03-01T10:00:00Z",
            "endsAt": "2026-03-01T10:05:00Z",
            "generatorURL": "http://prometheus:9090/graph",
            "fingerprint": "00000000000a11ce",
        }
    ],
}

CASES = [
    Case("POST", "/integrations/alertmanager", SENDERS, body=RESOLVED_WITHOUT_TICKET),
]
