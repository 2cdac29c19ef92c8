# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Hypothesis profiles and the fixtures shared by the unit tests.

Hypothesis: locally every run draws new examples (and the database replays past
failures). With CI set, examples come from a fixed seed so that a green main stays
green; new exploration happens in developers' runs, where a failure can be reproduced.
"""

from __future__ import annotations

import os
import time

import pytest
from hypothesis import settings

settings.register_profile("dev", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture
def utc(monkeypatch):
    """Local time is UTC, the time zone of the test containers whose logs are captured."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()
