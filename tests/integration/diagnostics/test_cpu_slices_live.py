"""The sampling window's CPU slices on this machine, real psutil, with a CPU burner."""

from __future__ import annotations

import itertools
import subprocess
import sys

import psutil

from itsm.diagnostics.probes import cpu
from itsm.diagnostics.probes.window import SampleWindow
from tests.e2e.diag.test_diag_cpu_slices import BURN


def test_slices_cover_the_window_and_see_a_burner() -> None:
    with subprocess.Popen(
        [sys.executable, "-c", BURN], stdout=subprocess.PIPE, text=True
    ) as burner:
        try:
            assert burner.stdout is not None
            assert burner.stdout.readline() == "spinning\n"  # it runs before sampling starts
            window = SampleWindow.start(0.6, processes=False, slices=3)
            slices = window.cpu_slices()
            start, end = window.cpu()
            spent = psutil.Process(burner.pid).cpu_times()
        finally:
            burner.kill()
    assert len(slices) == 3
    assert window.elapsed_seconds >= 0.6
    # Consecutive slices: each starts where the previous ended, from start to end.
    assert slices[0][0] == start
    assert slices[-1][1] == end
    assert all(a[1] == b[0] for a, b in itertools.pairwise(slices))
    busy = [cpu.busy_percent(a.total, b.total) for a, b in slices]
    assert all(b is not None and b > 0 for b in busy), busy  # the burner ran in each
    assert spent.user > 0
