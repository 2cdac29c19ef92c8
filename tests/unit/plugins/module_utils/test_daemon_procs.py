# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tests of plugins/module_utils/daemon_procs.py against /proc trees captured from real
Debian 12 (mod_wsgi 4.9.4) and 13 (5.0.2) containers by tests/fixtures/capture_proc.sh."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils import daemon_procs
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.daemon_procs import (
    DaemonInfoError,
    catches_signal,
    parse_display_name,
    parse_stat,
    read_pidfile,
    recommended_rss_mb,
    scan,
)
from hypothesis import given
from hypothesis import strategies as st

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "proc"
DISTROS = ["bookworm", "trixie"]
# The capture config: demo processes=2 threads=3 display-name=%{GROUP};
# inventory-api processes=1 threads=4 display-name=%{GROUP} (shown truncated);
# plain processes=1 threads=2 without display-name.
EXPECTED_OK = {
    "demo": {"processes": 2, "threads": 3},
    "inventory-api": {"processes": 1, "threads": 4},
}


def users(uid):
    return {0: "root", 33: "www-data"}.get(uid)


def run(root, **kwargs):
    kwargs.setdefault("clk_tck", 100)
    kwargs.setdefault("user_lookup", users)
    return scan(str(root), **kwargs)


@pytest.fixture(params=DISTROS)
def distro(request):
    return request.param


@pytest.fixture
def tree(tmp_path, distro):
    """A writable copy of one captured tree, for damaging it."""
    dest = tmp_path / distro
    shutil.copytree(FIXTURES / distro, dest)
    return dest


def apache_pid(distro):
    return int((FIXTURES / distro / "_capture" / "apache2.pid").read_text())


@pytest.mark.parametrize("distro", DISTROS)
def test_real_fixture_groups_counts_threads(distro):
    result = run(FIXTURES / distro)
    assert result["apache"]["pids"] == [apache_pid(distro)]
    groups = result["groups"]
    # Without expected, the truncated name stays as mod_wsgi shows it.
    assert sorted(groups) == ["demo", "inventory-a", "unnamed"]
    assert groups["demo"]["count"] == 2
    assert groups["demo"]["threads_per_process"] == [6, 6]
    assert groups["demo"]["request_threads_estimate"] == 3
    assert groups["inventory-a"]["count"] == 1
    assert groups["inventory-a"]["display_name_truncated"] is True
    assert groups["inventory-a"]["request_threads_estimate"] == 4
    assert groups["unnamed"]["count"] == 1
    assert groups["unnamed"]["threads_per_process"] == [5]
    assert groups["unnamed"]["processes"][0]["identified_by"] == "sigxcpu-handler"
    # The two event MPM workers (27 threads each) and the parent are not daemons.
    all_pids = {pid for group in groups.values() for pid in group["pids"]}
    assert len(all_pids) == 4
    assert apache_pid(distro) not in all_pids
    assert result["notes"] == []


@pytest.mark.parametrize("distro", DISTROS)
def test_real_fixture_process_fields(distro):
    proc = run(FIXTURES / distro)["groups"]["demo"]["processes"][0]
    pid = proc["pid"]
    status = (FIXTURES / distro / str(pid) / "status").read_text()
    vmrss = int(next(line for line in status.splitlines() if line.startswith("VmRSS")).split()[1])
    assert proc["rss_kb"] == vmrss
    assert 0 < proc["pss_kb"] < proc["rss_kb"]
    assert proc["ppid"] == apache_pid(distro)
    assert (proc["uid"], proc["user"]) == (33, "www-data")
    assert proc["display_name"] == "(wsgi:demo)"
    assert proc["start_time"].startswith("2026-")
    assert proc["start_time"].endswith("+00:00")
    assert proc["cpu_seconds"] >= 0
    assert 0 < proc["age_seconds"] < 3600


@pytest.mark.parametrize("distro", DISTROS)
def test_group_memory_stats_and_recommendation(distro):
    demo = run(FIXTURES / distro)["groups"]["demo"]
    pss = [proc["pss_kb"] for proc in demo["processes"]]
    assert demo["pss_kb"] == {"total": sum(pss), "avg": round(sum(pss) / 2), "max": max(pss)}
    assert demo["memory_basis"] == "pss"
    assert demo["recommended_process_rss_mb"] == recommended_rss_mb(max(pss), 20)
    # Real Debian daemons with a hello-world app: about 5 MiB PSS, 11-13 MiB RSS.
    assert 5 <= demo["recommended_process_rss_mb"] <= 10


@pytest.mark.parametrize("distro", DISTROS)
def test_expected_all_match_with_truncated_name_attributed(distro):
    result = run(FIXTURES / distro, expected=EXPECTED_OK)
    assert result["all_match"] is True
    assert result["expected"] == {
        "demo": {"matches": True, "mismatches": []},
        "inventory-api": {"matches": True, "mismatches": []},
    }
    assert "inventory-api" in result["groups"]
    assert result["unexpected_groups"] == ["unnamed"]
    assert any("attributed to group inventory-api" in note for note in result["notes"])


@pytest.mark.parametrize(
    ("expected", "sentences"),
    [
        (
            {"demo": {"processes": 3, "threads": 3}},
            ["group demo: 2 processes running, 3 expected"],
        ),
        (
            {"inventory-api": {"processes": 2}},
            ["group inventory-api: 1 process running, 2 expected"],
        ),
        (
            {"shop": {"processes": 2, "threads": 5}},
            [
                "group shop: no process running, 2 expected (1 daemon process without "
                "display-name=%{GROUP} found under 'unnamed'; set display-name to "
                "attribute them)"
            ],
        ),
        ({"shop": {"threads": 5}}, ["group shop: no process running"]),
        (
            {"demo": {"threads": 5}},
            [
                "group demo: process {0} has 3 request threads (6 threads - 3 overhead), "
                "5 expected",
                "group demo: process {1} has 3 request threads (6 threads - 3 overhead), "
                "5 expected",
            ],
        ),
    ],
)
def test_expected_mismatch_sentences(distro, expected, sentences):
    result = run(FIXTURES / distro, expected=expected)
    pids = result["groups"]["demo"]["pids"]
    name = next(iter(expected))
    assert result["all_match"] is False
    assert result["expected"][name]["matches"] is False
    wanted = [s.replace("{0}", str(pids[0])).replace("{1}", str(pids[1])) for s in sentences]
    assert result["expected"][name]["mismatches"] == wanted


def test_thread_overhead_option_changes_estimate(distro):
    result = run(FIXTURES / distro, thread_overhead=4, expected={"demo": {"threads": 2}})
    assert result["groups"]["demo"]["request_threads_estimate"] == 2
    assert result["all_match"] is True


def test_process_group_filter(distro):
    result = run(FIXTURES / distro, process_group="inventory-api")
    assert list(result["groups"]) == ["inventory-api"]
    assert run(FIXTURES / distro, process_group="nope")["groups"] == {}


def test_apache_pid_given(distro):
    result = run(FIXTURES / distro, apache_pid=apache_pid(distro))
    assert result["apache"]["pids"] == [apache_pid(distro)]
    # A pid that is not Apache's parent has no daemon children.
    assert run(FIXTURES / distro, apache_pid=1)["groups"] == {}


def test_vanished_process_is_skipped(tree, distro):
    victim = run(tree)["groups"]["demo"]["pids"][0]
    # What a process exiting between listdir and open looks like.
    (tree / str(victim) / "status").unlink()
    result = run(tree)
    assert result["groups"]["demo"]["count"] == 1
    assert victim not in result["groups"]["demo"]["pids"]
    assert (
        "1 process vanished or could not be read during the scan and were skipped"
        in (result["notes"])
    )


def test_vanishing_during_read_is_skipped(tree, monkeypatch):
    victim = run(tree)["groups"]["demo"]["pids"][1]
    real_open = open

    def racing_open(path, *args, **kwargs):
        if str(path).endswith(f"/{victim}/stat"):
            raise ProcessLookupError(3, "No such process")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr("builtins.open", racing_open)
    result = run(tree)
    assert victim not in result["groups"]["demo"]["pids"]
    assert result["groups"]["demo"]["count"] == 1


def test_unreadable_smaps_rollup_gives_null_pss(tree, monkeypatch):
    victim = run(tree)["groups"]["demo"]["pids"][0]
    real_open = open

    def denied(path, *args, **kwargs):
        if str(path).endswith(f"/{victim}/smaps_rollup"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr("builtins.open", denied)
    result = run(tree)
    demo = result["groups"]["demo"]
    by_pid = {proc["pid"]: proc for proc in demo["processes"]}
    assert by_pid[victim]["pss_kb"] is None
    assert all(proc["pss_kb"] for pid, proc in by_pid.items() if pid != victim)
    assert demo["pss_kb"] == {"total": None, "avg": None, "max": None}
    assert demo["memory_basis"] == "rss"
    assert demo["recommended_process_rss_mb"] == recommended_rss_mb(demo["rss_kb"]["max"], 20)
    assert result["notes"] == [
        f"PSS of pid {victim} is null: smaps_rollup unreadable (Permission denied); run as "
        "root with CAP_SYS_PTRACE (podman: --cap-add SYS_PTRACE) to read it"
    ]


def test_missing_smaps_rollup_gives_null_pss(tree):
    victim = run(tree)["groups"]["unnamed"]["pids"][0]
    (tree / str(victim) / "smaps_rollup").unlink()
    unnamed = run(tree)["groups"]["unnamed"]
    assert unnamed["processes"][0]["pss_kb"] is None
    assert unnamed["processes"][0]["rss_kb"] > 0


def test_garbage_stat_is_skipped(tree):
    victim = run(tree)["groups"]["demo"]["pids"][0]
    (tree / str(victim) / "stat").write_text("garbage without parenthesis")
    assert run(tree)["groups"]["demo"]["count"] == 1


@pytest.mark.parametrize(
    ("cmdline", "expected"),
    [
        (b"(wsgi:demo)      \0-k\0start\0", ("demo", False)),
        (b"(wsgi:inventory-a\0-k\0start\0", ("inventory-a", True)),
        (b"(wsgi:a b)\0\0\0\0", ("a b", False)),
        (b"(wsgi:\xff\xfe)\0", ("\ufffd\ufffd", False)),
        (b"/usr/sbin/apache2\0-k\0start\0", None),
        (b"\0(wsgi:demo)\0", None),
        (b"", None),
        (b"\0\0\0", None),
    ],
)
def test_parse_display_name(cmdline, expected):
    assert parse_display_name(cmdline) == expected


def test_cmdline_with_nuls_in_tree(tree):
    victim = run(tree)["groups"]["demo"]["pids"][0]
    (tree / str(victim) / "cmdline").write_bytes(b"(wsgi:demo)\0\0\0-k\0\0start\0\0")
    assert run(tree)["groups"]["demo"]["count"] == 2
    # argv[0] of a kernel thread or zombie is empty: not a daemon, not a crash.
    (tree / str(victim) / "cmdline").write_bytes(b"")
    groups = run(tree)["groups"]
    assert groups["demo"]["count"] == 1
    # The SIGXCPU handler still marks it as a daemon, now unnamed.
    assert victim in groups["unnamed"]["pids"]


def test_comm_with_spaces_and_parens():
    parsed = parse_stat("12 (a) b) c) S 1 12 12 0 -1 0 0 0 0 0 7 9 0 0 20 0 1 0 555 0 0")
    assert parsed == {"ppid": 1, "utime": 7, "stime": 9, "starttime": 555, "comm": "a) b) c"}


@pytest.mark.parametrize("text", ["no paren here", "1 (x) S 1 2"])
def test_parse_stat_rejects_garbage(text):
    with pytest.raises(ValueError, match=r"comm|too few"):
        parse_stat(text)


@pytest.mark.parametrize(
    ("mask", "signum", "caught"),
    [
        ("00000001008046ea", 24, True),  # real mod_wsgi daemon
        ("00000001080046eb", 24, False),  # real event MPM worker
        ("00000000080046e9", 24, False),  # real prefork child
        ("00000000080046eb", 1, True),
    ],
)
def test_catches_signal(mask, signum, caught):
    assert catches_signal(mask, signum) is caught


@given(st.integers(min_value=0, max_value=64 * 1024 * 1024), st.floats(0, 200))
def test_recommendation_covers_measurement(max_kb, headroom):
    mb = recommended_rss_mb(max_kb, headroom)
    assert mb * 1024 >= max_kb * (1 + headroom / 100) - 1e-6
    assert (mb - 1) * 1024 < max_kb * (1 + headroom / 100) + 1e-6


def test_recommendation_none():
    assert recommended_rss_mb(None, 20) is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"expected": ["demo"]}, r"expected must be a dict of group .* got \['demo'\]"),
        ({"expected": {"demo": 2}}, r"expected\['demo'\] is 2; expected a dict"),
        ({"expected": {"demo": {}}}, r"expected\['demo'\] is \{\}; expected a dict"),
        ({"expected": {"demo": {"procs": 2}}}, r"unknown keys procs; expected only"),
        ({"expected": {"demo": {"processes": 0}}}, r"\.processes is 0; expected an integer >= 1"),
        ({"expected": {"demo": {"threads": -1}}}, r"\.threads is -1; expected an integer >= 0"),
        ({"expected": {"demo": {"threads": True}}}, r"\.threads is True"),
        ({"expected": {"demo": {"threads": "x"}}}, r"\.threads is 'x'"),
        (
            {"expected": {"demo": {"processes": 2}}, "process_group": "shop"},
            r"expected names groups demo but process_group is 'shop'",
        ),
        ({"thread_overhead": -1}, r"thread_overhead is -1; expected an integer >= 0"),
        ({"thread_overhead": "3"}, r"thread_overhead is '3'"),
        ({"headroom_percent": -5}, r"headroom_percent is -5; expected a number >= 0"),
        ({"apache_pid": 999999}, r"apache_pid 999999 is not a running process"),
    ],
)
def test_errors(kwargs, message):
    with pytest.raises(DaemonInfoError, match=message) as error:
        run(FIXTURES / "bookworm", **kwargs)
    assert str(error.value).startswith("daemon_info: ")


def test_string_numbers_in_expected_are_accepted():
    result = run(FIXTURES / "bookworm", expected={"demo": {"processes": "2", "threads": "3"}})
    assert result["all_match"] is True


def test_not_a_procfs(tmp_path):
    with pytest.raises(DaemonInfoError, match=r"cannot read .*; expected a Linux procfs"):
        run(tmp_path)


def test_no_apache(tmp_path):
    shutil.copy(FIXTURES / "bookworm" / "stat", tmp_path / "stat")
    shutil.copy(FIXTURES / "bookworm" / "uptime", tmp_path / "uptime")
    shutil.copytree(FIXTURES / "bookworm" / "1", tmp_path / "1")
    result = run(tmp_path, expected={"demo": {"processes": 1}})
    assert result["groups"] == {}
    assert result["notes"] == ["no Apache parent process (apache2/httpd) found"]
    assert result["expected"]["demo"]["mismatches"] == [
        "group demo: no process running, 1 expected"
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [("43\n", None), ("", r"holds ''; expected a process id"), ("x1", r"holds 'x1'")],
)
def test_read_pidfile(tmp_path, content, message):
    path = tmp_path / "apache2.pid"
    path.write_text(content)
    if message is None:
        assert read_pidfile(str(path)) == 43
    else:
        with pytest.raises(DaemonInfoError, match=message):
            read_pidfile(str(path))


def test_read_pidfile_missing(tmp_path):
    with pytest.raises(DaemonInfoError, match=r"cannot be read \(No such file"):
        read_pidfile(str(tmp_path / "nope.pid"))


def test_default_user_lookup():
    assert daemon_procs.default_user_lookup(os.getuid()) is not None
    assert daemon_procs.default_user_lookup(2**31 - 7) is None
