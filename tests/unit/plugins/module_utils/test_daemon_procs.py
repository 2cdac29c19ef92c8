# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tests of plugins/module_utils/daemon_procs.py against /proc trees captured from real
Debian 12 (mod_wsgi 4.9.4) and 13 (5.0.2) containers by tests/fixtures/capture_proc.sh."""

from __future__ import annotations

import datetime
import math
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
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.errors import WsgiscaleError
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
    kwargs.setdefault("readers", daemon_procs.HostReaders(clk_tck=100, user_lookup=users))
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


def fixture_pids(distro, argv0):
    """Pids of the captured processes whose argv[0] is argv0 (read from the files)."""
    root = FIXTURES / distro
    return sorted(
        int(entry.name)
        for entry in root.iterdir()
        if entry.name.isdigit()
        and (entry / "cmdline").read_bytes().split(b"\0", 1)[0].rstrip() == argv0
    )


def fixture_kb(distro, pid, name, key):
    """The kB value of line KEY in /proc/PID/NAME of a captured tree."""
    text = (FIXTURES / distro / str(pid) / name).read_text()
    return int(next(line for line in text.splitlines() if line.startswith(key + ":")).split()[1])


def ceil_mb(kb, headroom_percent):
    """kB plus headroom in MiB, rounded up, in integer arithmetic."""
    return -(-kb * (100 + headroom_percent) // (100 * 1024))


def plain_daemon_pid(distro):
    """The daemon of the group without display-name: argv[0] like Apache's, ppid Apache."""
    return next(
        pid
        for pid in fixture_pids(distro, b"/usr/sbin/apache2")
        if pid != apache_pid(distro)
        and fixture_kb(distro, pid, "status", "Threads") < 27  # not an MPM worker
    )


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
    assert pid == fixture_pids(distro, b"(wsgi:demo)")[0]
    assert proc["rss_kb"] == fixture_kb(distro, pid, "status", "VmRSS")
    assert proc["pss_kb"] == fixture_kb(distro, pid, "smaps_rollup", "Pss")
    assert 0 < proc["pss_kb"] < proc["rss_kb"]
    assert proc["ppid"] == apache_pid(distro)
    assert (proc["uid"], proc["user"]) == (33, "www-data")
    assert proc["display_name"] == "(wsgi:demo)"
    # proc(5) numbering: utime 14, stime 15, starttime 22 (comm "apache2" has no space).
    fields = (FIXTURES / distro / str(pid) / "stat").read_text().split()
    utime, stime, starttime = int(fields[13]), int(fields[14]), int(fields[21])
    btime = float((FIXTURES / distro / "stat").read_text().split()[1])
    uptime = float((FIXTURES / distro / "uptime").read_text().split()[0])
    started = datetime.datetime.fromtimestamp(btime + starttime // 100, datetime.timezone.utc)
    assert proc["start_time"] == started.isoformat()
    assert proc["cpu_seconds"] == round((utime + stime) / 100, 2)
    assert proc["age_seconds"] == round(uptime - starttime / 100, 1)


@pytest.mark.parametrize("distro", DISTROS)
def test_group_memory_stats_and_recommendation(distro):
    demo = run(FIXTURES / distro)["groups"]["demo"]
    pids = fixture_pids(distro, b"(wsgi:demo)")
    assert demo["pids"] == pids
    pss = [fixture_kb(distro, pid, "smaps_rollup", "Pss") for pid in pids]
    rss = [fixture_kb(distro, pid, "status", "VmRSS") for pid in pids]
    assert demo["pss_kb"] == {"total": sum(pss), "avg": round(sum(pss) / 2), "max": max(pss)}
    assert demo["rss_kb"] == {"total": sum(rss), "avg": round(sum(rss) / 2), "max": max(rss)}
    assert demo["memory_basis"] == "pss"
    assert demo["recommended_process_rss_mb"] == ceil_mb(max(pss), 20)
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
    truncated = fixture_pids(distro, b"(wsgi:inventory-a")
    assert result["groups"]["inventory-api"]["pids"] == truncated
    assert "inventory-a" not in result["groups"]
    assert result["unexpected_groups"] == ["unnamed"]
    assert result["notes"] == [
        f"pid {truncated[0]}: truncated display name '(wsgi:inventory-a' attributed to "
        "group inventory-api"
    ]


# Two groups whose names mod_wsgi cuts to the same display name: the 17 characters of
# /usr/sbin/apache2 leave room for 11, "inventory-a".
AMBIGUOUS = {"inventory-api": {"processes": 1}, "inventory-admin": {"processes": 1}}


@pytest.mark.parametrize("order", [1, -1], ids=["api-first", "admin-first"])
def test_ambiguous_truncated_name_is_not_attributed(distro, order):
    expected = dict(list(AMBIGUOUS.items())[::order])
    result = run(FIXTURES / distro, expected=expected)
    truncated = fixture_pids(distro, b"(wsgi:inventory-a")
    groups = result["groups"]
    assert groups["inventory-a"]["pids"] == truncated
    assert "inventory-api" not in groups
    assert "inventory-admin" not in groups
    assert sorted(result["expected"]) == sorted(AMBIGUOUS)
    for name, outcome in result["expected"].items():
        assert outcome["matches"] is False
        assert outcome["mismatches"][0].startswith(f"group {name}: no process running, 1 expected")
    assert result["unexpected_groups"] == ["demo", "inventory-a", "unnamed"]
    assert result["notes"] == [
        f"pid {truncated[0]}: truncated display name '(wsgi:inventory-a' is ambiguous "
        "(groups inventory-admin, inventory-api); reported under inventory-a"
    ]


def test_two_running_groups_with_the_same_truncated_name(tree, distro):
    """inventory-api and inventory-admin both run: neither gets the other's process."""
    api = fixture_pids(distro, b"(wsgi:inventory-a")[0]
    admin = plain_daemon_pid(distro)
    # The capture's group without display-name becomes a second "(wsgi:inventory-a".
    shutil.copy(tree / str(api) / "cmdline", tree / str(admin) / "cmdline")
    result = run(tree, expected=AMBIGUOUS)
    groups = result["groups"]
    assert sorted(groups) == ["demo", "inventory-a"]
    assert groups["inventory-a"]["pids"] == sorted([api, admin])
    # inventory-api has 4 request threads, the other group 2: no common estimate.
    assert groups["inventory-a"]["threads_per_process"] == [7, 5][:: 1 if api < admin else -1]
    assert groups["inventory-a"]["request_threads_estimate"] is None
    assert result["all_match"] is False
    assert [note.split(":")[0] for note in result["notes"]] == [
        f"pid {pid}" for pid in sorted([api, admin])
    ]
    assert all("is ambiguous (groups inventory-admin, inventory-api)" in n for n in result["notes"])


def test_process_group_and_expected_name_the_same_truncated_group(distro):
    result = run(
        FIXTURES / distro,
        process_group="inventory-api",
        expected={"inventory-api": {"processes": 1, "threads": 4}},
    )
    assert list(result["groups"]) == ["inventory-api"]
    assert result["groups"]["inventory-api"]["pids"] == fixture_pids(distro, b"(wsgi:inventory-a")
    assert result["all_match"] is True


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
    assert result["groups"]["inventory-api"]["pids"] == fixture_pids(distro, b"(wsgi:inventory-a")
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


def test_unreadable_smaps_rollup_gives_null_pss(tree, distro, monkeypatch):
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
    vmrss = [fixture_kb(distro, pid, "status", "VmRSS") for pid in by_pid]
    assert demo["recommended_process_rss_mb"] == ceil_mb(max(vmrss), 20)
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
        (
            {"expected": ["demo"]},
            r"parameter 'expected' got \['demo'\] \(list\); expected a dict of group name",
        ),
        (
            {"expected": {"demo": 2}},
            r"parameter 'expected.demo' got 2 \(int\); expected a dict with processes",
        ),
        ({"expected": {"demo": {}}}, r"'expected.demo' got \{\} \(dict\); expected a dict"),
        (
            {"expected": {"demo": {"procs": 2}}},
            r"'expected.demo' got \{'procs': 2\} \(dict\); expected only the keys "
            r"processes and threads \(unknown: procs\)",
        ),
        (
            {"expected": {"demo": {"processes": 0}}},
            r"'expected.demo.processes' got 0 \(int\); expected an integer >= 1",
        ),
        (
            {"expected": {"demo": {"threads": -1}}},
            r"'expected.demo.threads' got -1 \(int\); expected an integer >= 0",
        ),
        ({"expected": {"demo": {"threads": True}}}, r"'expected.demo.threads' got True \(bool\)"),
        ({"expected": {"demo": {"threads": "x"}}}, r"'expected.demo.threads' got 'x' \(str\)"),
        (
            {"expected": {"demo": {"processes": 2}}, "process_group": "shop"},
            r"parameter 'process_group' got 'shop' \(str\); expected the only group named "
            r"in expected, or no process_group \(expected names demo\)",
        ),
        ({"process_group": ""}, r"'process_group' got '' \(str\); expected a daemon process group"),
        ({"process_group": "my shop"}, r"'process_group' got 'my shop' \(str\); expected a daemon"),
        ({"process_group": "shop\n"}, r"'process_group' got 'shop\\n' \(str\); expected a daemon"),
        (
            {"expected": {"": {"processes": 1}}},
            r"'expected' got \{'': \{'processes': 1\}\} \(dict\); expected keys that are each a "
            r"daemon process group name",
        ),
        ({"expected": {"my shop": {"processes": 1}}}, r"'expected' got \{'my shop': "),
        ({"thread_overhead": -1}, r"'thread_overhead' got -1 \(int\); expected an integer >= 0"),
        ({"thread_overhead": "3"}, r"'thread_overhead' got '3' \(str\)"),
        ({"headroom_percent": -5}, r"'headroom_percent' got -5 \(int\); expected a number >= 0"),
        ({"headroom_percent": math.nan}, r"'headroom_percent' got nan \(float\)"),
        ({"headroom_percent": math.inf}, r"'headroom_percent' got inf \(float\)"),
        ({"headroom_percent": "20"}, r"'headroom_percent' got '20' \(str\)"),
        ({"headroom_percent": True}, r"'headroom_percent' got True \(bool\)"),
        (
            {"apache_pid": 999999},
            r"'apache_pid' got 999999 \(int\); expected the pid of the running Apache parent",
        ),
    ],
)
def test_errors(kwargs, message):
    with pytest.raises(DaemonInfoError, match=message) as error:
        run(FIXTURES / "bookworm", **kwargs)
    assert str(error.value).startswith("daemon_info: parameter '")
    assert isinstance(error.value, WsgiscaleError)


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
    [
        ("43\n", None),
        ("", r"\(str\), which holds '' \(str\); expected a file holding a process id"),
        ("x1", r"which holds 'x1' \(str\)"),
    ],
)
def test_read_pidfile(tmp_path, content, message):
    path = tmp_path / "apache2.pid"
    path.write_text(content)
    if message is None:
        assert read_pidfile(str(path)) == 43
    else:
        with pytest.raises(DaemonInfoError, match=message) as error:
            read_pidfile(str(path))
        assert str(error.value).startswith(f"daemon_info: parameter 'pidfile' got '{path}'")


def test_read_pidfile_missing(tmp_path):
    with pytest.raises(DaemonInfoError, match=r"\(str\), which cannot be read \(No such file"):
        read_pidfile(str(tmp_path / "nope.pid"))


def test_default_user_lookup():
    assert daemon_procs.default_user_lookup(os.getuid()) is not None
    assert daemon_procs.default_user_lookup(2**31 - 7) is None


# -- which mod_wsgi Apache loaded, and the thread overhead of its daemons ------------

# Two lines of a real Apache parent's /proc/PID/maps (Debian 12, mod_wsgi 6.1.1 built
# by pip into /opt/mw); SITE is replaced by a site-packages folder of the test's.
PIP_MAPS = (
    "7fde5148f000-7fde5149c000 r--p 00000000 00:28 1779842                    "
    "SITE/mod_wsgi/server/mod_wsgi-py311.cpython-311-x86_64-linux-gnu.so\n"
    "7fde5149c000-7fde514d1000 r-xp 0000d000 00:28 1779842                    "
    "SITE/mod_wsgi/server/mod_wsgi-py311.cpython-311-x86_64-linux-gnu.so\n"
)


def pip_install(tmp_path, metadata):
    """A site-packages folder holding a pip-built module and the named metadata folder."""
    site = tmp_path / "venv" / "lib" / "python3.11" / "site-packages"
    (site / "mod_wsgi" / "server").mkdir(parents=True)
    (site / "pip-23.0.1.dist-info").mkdir()
    if metadata:
        (site / metadata).mkdir()
    return site


@pytest.mark.parametrize(
    ("metadata", "version"),
    [
        ("mod_wsgi-6.1.1.egg-info", "6.1.1"),
        ("mod_wsgi-6.0.0rc1.dist-info", "6.0.0rc1"),
        ("mod_wsgi-4.9.4-py3.11.egg-info", "4.9.4"),
        ("mod_wsgi_metrics-1.1.1.dist-info", None),
        (None, None),
    ],
)
def test_pip_module_version_reads_the_package_metadata(tmp_path, metadata, version):
    site = pip_install(tmp_path, metadata)
    module = site / "mod_wsgi" / "server" / "mod_wsgi-py311.cpython-311-x86_64-linux-gnu.so"
    assert daemon_procs.pip_module_version(str(module)) == version


def test_an_os_module_has_no_readable_version():
    assert daemon_procs.pip_module_version("/usr/lib/apache2/modules/mod_wsgi.so") is None


@pytest.mark.parametrize(
    ("version", "overhead"),
    [(None, 3), ("4.9.4", 3), ("5.0.2", 3), ("6.0", 4), ("6.1.1", 4), ("10.0.0rc2", 4)],
)
def test_overhead_follows_the_major_version(version, overhead):
    assert daemon_procs.overhead_for(version) == overhead


@pytest.mark.parametrize("bad", ["six", "6", "6.1.1\n", 6.1, ""])
def test_a_bad_mod_wsgi_version_is_refused(bad):
    with pytest.raises(DaemonInfoError, match="parameter 'mod_wsgi_version' got"):
        daemon_procs.chosen_overhead(None, bad)


def test_the_captured_trees_have_no_readable_module(distro):
    # The fixtures hold no maps file: the module is unknown and 4.x/5.x is assumed.
    result = run(FIXTURES / distro)
    assert result["mod_wsgi"] == {"path": None, "version": None}
    assert result["thread_overhead"] == 3
    assert result["groups"]["demo"]["request_threads_estimate"] == 3


def test_a_pip_built_6x_module_sets_the_overhead_to_four(tree, distro, tmp_path):
    site = pip_install(tmp_path, "mod_wsgi-6.1.1.egg-info")
    parent = tree / str(apache_pid(distro))
    (parent / "maps").write_text(PIP_MAPS.replace("SITE", str(site)))
    result = run(tree)
    assert result["mod_wsgi"] == {
        "path": f"{site}/mod_wsgi/server/mod_wsgi-py311.cpython-311-x86_64-linux-gnu.so",
        "version": "6.1.1",
    }
    assert result["thread_overhead"] == 4
    # The captured 4.x/5.x daemons run 3 + 3 threads: read as 6.x, one request thread less.
    assert result["groups"]["demo"]["request_threads_estimate"] == 2


def test_the_given_version_and_overhead_win(tree, distro, tmp_path):
    site = pip_install(tmp_path, "mod_wsgi-6.1.1.egg-info")
    (tree / str(apache_pid(distro)) / "maps").write_text(PIP_MAPS.replace("SITE", str(site)))
    given = daemon_procs.chosen_overhead
    assert run(tree, thread_overhead=given(None, "5.0.2"))["thread_overhead"] == 3
    assert run(tree, thread_overhead=given(5, "6.1.1"))["thread_overhead"] == 5
    assert run(FIXTURES / distro, thread_overhead=given(None, "6.1.1"))["thread_overhead"] == 4
    assert given(None, None) is None


def test_an_unreadable_map_leaves_the_module_unknown(tree, distro):
    maps = tree / str(apache_pid(distro)) / "maps"
    maps.mkdir()  # reading a folder fails like an unreadable file
    assert run(tree)["mod_wsgi"] == {"path": None, "version": None}


def test_app_threads_add_to_the_worked_out_overhead(tree, distro, tmp_path):
    assert run(FIXTURES / distro, app_threads=1)["thread_overhead"] == 4
    site = pip_install(tmp_path, "mod_wsgi-6.1.1.egg-info")
    (tree / str(apache_pid(distro)) / "maps").write_text(PIP_MAPS.replace("SITE", str(site)))
    assert run(tree, app_threads=1)["thread_overhead"] == 5
    # An explicit overhead is the whole count.
    assert run(tree, thread_overhead=3, app_threads=1)["thread_overhead"] == 3


@pytest.mark.parametrize("bad", [-1, True, 1.5, "1"])
def test_bad_app_threads_are_refused(distro, bad):
    with pytest.raises(DaemonInfoError, match="parameter 'app_threads' got"):
        run(FIXTURES / distro, app_threads=bad)
