"""Host diagnostics: probes collect, pure rules judge, a versioned report records.

Pipeline: ``collect.collect_snapshot(settings)`` → ``rules.evaluate(snapshot,
settings)`` → ``report.build_report(snapshot, findings)`` → ``write_report``;
``severity.exit_code_for`` gives the Nagios exit code and ``debounce.Debouncer``
turns successive samples into ticket-worthy transitions for the watch loop.
This package imports nothing on its own so that the pure modules (rules,
report, debounce) can be used without loading psutil.
"""
