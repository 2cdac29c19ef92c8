# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Find live mod_wsgi daemon processes in /proc and measure them.

Pure logic for the ``wsgiscale.mod_wsgi.daemon_info`` module. Everything reads below a
``proc_root`` so the unit tests can point it at trees captured from real containers
(``tests/fixtures/proc/``).

How a daemon process is recognised (see docs/recalibration.md):

* ``display-name=%{GROUP}``: mod_wsgi rewrites argv[0] to ``(wsgi:NAME)``, cut to the
  length of the original argv[0] (``/usr/sbin/apache2`` = 17 characters, so names longer
  than 10 characters lose their tail and the closing parenthesis).
* Without a display name a daemon looks exactly like an MPM worker in ``ps`` (same
  cmdline, uid, comm, thread names). It is told apart by its signal dispositions:
  mod_wsgi installs a handler for SIGXCPU in every daemon process
  (``wsgi_start_process``), while Apache's parent and MPM children leave SIGXCPU at
  SIG_DFL. Such processes are reported under the group ``unnamed``.

Thread overhead: a 4.9.4 (Debian 12) or 5.0.2 (Debian 13) daemon process runs
``threads`` request threads plus 3 others (main, monitor, deadlock), measured with
threads=1/3/5/15, with and without timeouts, before and after requests; a 6.1.1
daemon process (built by pip, Debian 12) runs 4 others, measured with threads=1/2/5/15,
with and without request-timeout, interrupt-timeout and deadlock-timeout, before and
after requests. Which mod_wsgi runs is read from the Apache parent's memory map (the
mod_wsgi .so it loaded) and, for a module pip built, from the package's metadata
beside it; a module whose version cannot be read (the OS's) counts as 4.x/5.x.
"""

from __future__ import annotations

import datetime
import math
import os
import pwd
import re
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Tuple

from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.errors import (
    WsgiscaleError,
    describe,
)

MODULE = "daemon_info"
PROC_ROOT = "/proc"
UNNAMED = "unnamed"
DISPLAY_PREFIX = "(wsgi:"
SIGXCPU = 24
THREAD_OVERHEAD = 3
#: Non-request threads of a mod_wsgi 6.x daemon process.
THREAD_OVERHEAD_6 = 4
# The mod_wsgi module in a line of /proc/PID/maps, a module pip built (its
# site-packages folder) and that folder's metadata of the mod_wsgi package.
_MAPS_MODULE_RE = re.compile(r"\s(/\S*mod_wsgi\S*\.so)$")
_PIP_MODULE_RE = re.compile(r"^(?P<site>/.+)/mod_wsgi/server/[^/]+\.so$")
_METADATA_RE = re.compile(
    r"^mod_wsgi-(?P<version>[0-9]+\.[0-9]+(?:\.[0-9]+)?(?:(?:a|b|rc)[0-9]+)?)"
    r"(?:-py[0-9.]+)?\.(?:dist|egg)-info$"
)
_VERSION_RE = re.compile(r"([0-9]+)\.([0-9]+)(?:\.[0-9]+)?(?:(?:a|b|rc)[0-9]+)?")
DEFAULT_HEADROOM_PERCENT = 20
APACHE_COMMS = ("apache2", "httpd", "httpd.worker", "httpd.event")
KB_PER_MB = 1024


class DaemonInfoError(WsgiscaleError):
    """Invalid input to wsgiscale.mod_wsgi.daemon_info."""


def _input_error(name: str, value: Any, expected: str) -> DaemonInfoError:
    return DaemonInfoError(
        f"{MODULE}: parameter '{name}' got {describe(value)}; expected {expected}"
    )


def _read_text(path: str) -> str:
    with open(path, encoding="utf-8", errors="replace") as handle:
        return handle.read()


def parse_stat(text: str) -> Dict[str, int]:
    """Parse /proc/PID/stat (the comm field may hold spaces and parentheses).

    Returns ppid, utime, stime and starttime (clock ticks). Raises ValueError on
    malformed text.
    """
    close = text.rfind(")")
    if close < 0:
        raise ValueError("no ')' after the comm field")
    fields = text[close + 2 :].split()
    # fields[0] is field 3 (state); utime/stime are fields 14/15, starttime field 22.
    if len(fields) < 20:
        raise ValueError("too few fields")
    return {
        "ppid": int(fields[1]),
        "utime": int(fields[11]),
        "stime": int(fields[12]),
        "starttime": int(fields[19]),
        "comm": text[text.find("(") + 1 : close],
    }


def parse_status(text: str) -> Dict[str, str]:
    """Parse /proc/PID/status into a dict of field name -> raw value."""
    result = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            result[key.strip()] = value.strip()
    return result


def _kb(value: Optional[str]) -> Optional[int]:
    """'12740 kB' -> 12740."""
    if not value:
        return None
    return int(value.split()[0])


def parse_smaps_rollup(text: str) -> Dict[str, int]:
    """Return Rss and Pss in kB from /proc/PID/smaps_rollup."""
    fields = parse_status(text)
    result = {}
    for key in ("Rss", "Pss"):
        if key in fields:
            result[key] = _kb(fields[key])
    return result


def parse_display_name(cmdline: bytes) -> Optional[Tuple[str, bool]]:
    """Return (group, truncated) when argv[0] is a mod_wsgi display name, else None.

    ``(wsgi:demo)      `` -> ("demo", False); ``(wsgi:inventory-a`` -> ("inventory-a",
    True). NUL bytes separate arguments; stray NULs or undecodable bytes are tolerated.
    """
    argv0 = cmdline.split(b"\0", 1)[0].decode("utf-8", errors="replace").rstrip()
    if not argv0.startswith(DISPLAY_PREFIX):
        return None
    name = argv0[len(DISPLAY_PREFIX) :]
    if name.endswith(")"):
        return name[:-1], False
    return name, True


def catches_signal(sigcgt: str, signum: int) -> bool:
    """True when the SigCgt hex mask of /proc/PID/status has a handler for signum."""
    return bool(int(sigcgt, 16) >> (signum - 1) & 1)


def read_boot_time(proc_root: str) -> float:
    """Boot time (epoch seconds) from the btime line of PROC_ROOT/stat."""
    for line in _read_text(os.path.join(proc_root, "stat")).splitlines():
        if line.startswith("btime "):
            return float(line.split()[1])
    raise ValueError(f"no btime line in {os.path.join(proc_root, 'stat')}")


def read_uptime(proc_root: str) -> float:
    """Seconds since boot from PROC_ROOT/uptime."""
    return float(_read_text(os.path.join(proc_root, "uptime")).split()[0])


def default_user_lookup(uid: int) -> Optional[str]:
    """Name of uid from the password database, None when it has none."""
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return None


def read_process(
    proc_root: str,
    *,
    pid: int,
    clk_tck: int,
    boot_time: float,
    uptime: float,
    user_lookup: Callable[[int], Optional[str]],
) -> Optional[Dict[str, Any]]:
    """Read one process; None when it vanished (or is unreadable) during the scan.

    PSS/RSS from smaps_rollup are None (with ``smaps_error`` set) when the file cannot
    be read, e.g. another user's process without root/CAP_SYS_PTRACE.
    """
    base = os.path.join(proc_root, str(pid))
    try:
        with open(os.path.join(base, "cmdline"), "rb") as handle:
            cmdline = handle.read()
        stat = parse_stat(_read_text(os.path.join(base, "stat")))
        status = parse_status(_read_text(os.path.join(base, "status")))
    except (OSError, ValueError, IndexError):
        return None
    smaps_error = None
    smaps: Dict[str, int] = {}
    try:
        smaps = parse_smaps_rollup(_read_text(os.path.join(base, "smaps_rollup")))
    except OSError as exc:
        smaps_error = exc.strerror or type(exc).__name__
    except (ValueError, IndexError):
        smaps_error = "malformed smaps_rollup"
    uid = int(status.get("Uid", "-1").split()[0])
    started = boot_time + stat["starttime"] / clk_tck
    age = max(uptime - stat["starttime"] / clk_tck, 0.0)
    cpu = (stat["utime"] + stat["stime"]) / clk_tck
    threads = int(status["Threads"]) if status.get("Threads", "").isdigit() else None
    return {
        "pid": pid,
        "ppid": stat["ppid"],
        "comm": stat["comm"],
        "argv0": cmdline.split(b"\0", 1)[0].decode("utf-8", errors="replace").rstrip(),
        "display": parse_display_name(cmdline),
        "sigcgt": status.get("SigCgt", "0"),
        "uid": uid,
        "user": user_lookup(uid) if uid >= 0 else None,
        "threads": threads,
        "rss_kb": _kb(status.get("VmRSS")),
        "pss_kb": smaps.get("Pss"),
        "smaps_error": smaps_error,
        "cpu_seconds": round(cpu, 2),
        "cpu_percent": round(100.0 * cpu / age, 2) if age > 0 else None,
        "start_time": datetime.datetime.fromtimestamp(started, tz=datetime.timezone.utc)
        .replace(microsecond=0)
        .isoformat(),
        "age_seconds": round(age, 1),
    }


def list_pids(proc_root: str) -> List[int]:
    """Numeric entries of proc_root, sorted."""
    return sorted(int(name) for name in os.listdir(proc_root) if name.isdigit())


def read_pidfile(path: str) -> int:
    """The pid in an Apache pidfile; DaemonInfoError when missing or garbage."""
    try:
        text = _read_text(path).strip()
    except OSError as exc:
        raise DaemonInfoError(
            f"{MODULE}: parameter 'pidfile' got {describe(path)}, which cannot be read "
            f"({exc.strerror}); expected the path of Apache's PidFile, e.g. "
            "/run/apache2/apache2.pid"
        ) from exc
    if not text.isdigit():
        raise DaemonInfoError(
            f"{MODULE}: parameter 'pidfile' got {describe(path)}, which holds "
            f"{describe(text)}; expected a file holding a process id"
        )
    return int(text)


def _is_apache(proc: Dict[str, Any]) -> bool:
    return proc["comm"] in APACHE_COMMS or os.path.basename(proc["argv0"]) in APACHE_COMMS


# Parameters ---------------------------------------------------------------------------


def _parse_count(group: str, key: str, value: Any, minimum: int) -> int:
    """One processes/threads value of ``expected``; digit strings are accepted."""
    parsed = value
    if isinstance(parsed, str) and parsed.strip().isdigit():
        parsed = int(parsed)
    if isinstance(parsed, bool) or not isinstance(parsed, int) or parsed < minimum:
        raise _input_error(f"expected.{group}.{key}", value, f"an integer >= {minimum}")
    return parsed


def _parse_group_spec(group: str, spec: Any) -> Dict[str, int]:
    """Validate ``expected[group]``: {processes: int >= 1, threads: int >= 0}."""
    if not isinstance(spec, dict) or not spec:
        raise _input_error(f"expected.{group}", spec, "a dict with processes and/or threads")
    unknown = sorted(map(str, set(spec) - {"processes", "threads"}))
    if unknown:
        raise _input_error(
            f"expected.{group}",
            spec,
            f"only the keys processes and threads (unknown: {', '.join(unknown)})",
        )
    return {
        key: _parse_count(group, key, spec[key], minimum)
        for key, minimum in (("processes", 1), ("threads", 0))
        if key in spec
    }


#: What a daemon process group name must look like here (WSGIDaemonProcess reads one word).
GROUP_NAME = "a daemon process group name (one word, as in WSGIDaemonProcess NAME)"


def _is_group_name(name: Any) -> bool:
    """Whether ``name`` can name a daemon process group: a non-empty word."""
    return (
        isinstance(name, str)
        and bool(name)
        and not any(ch.isspace() or not ch.isprintable() for ch in name)
    )


def _parse_expected(expected: Any) -> Dict[str, Dict[str, int]]:
    """Validate ``expected``: group -> {processes: int >= 1, threads: int >= 0}."""
    if expected is None:
        return {}
    if not isinstance(expected, dict):
        raise _input_error("expected", expected, "a dict of group name -> {processes, threads}")
    for group in expected:
        if not _is_group_name(str(group)):
            raise _input_error("expected", expected, f"keys that are each {GROUP_NAME}")
    return {str(group): _parse_group_spec(str(group), spec) for group, spec in expected.items()}


def loaded_module(proc_root: str, pids: List[int]) -> Dict[str, Optional[str]]:
    """The mod_wsgi .so the first readable Apache parent mapped, and its version.

    ``{"path": ..., "version": ...}``: the version is read from the package metadata
    (``mod_wsgi-X.Y.Z.dist-info`` or ``.egg-info``) beside a module pip built; both are
    None when no parent's map is readable or names a mod_wsgi module.
    """
    for pid in pids:
        try:
            lines = _read_text(os.path.join(proc_root, str(pid), "maps")).splitlines()
        except OSError:
            continue
        for line in lines:
            match = _MAPS_MODULE_RE.search(line)
            if match:
                path = match.group(1)
                return {"path": path, "version": pip_module_version(path)}
    return {"path": None, "version": None}


def pip_module_version(path: str) -> Optional[str]:
    """Version of a mod_wsgi module pip built (from its site-packages), else None."""
    match = _PIP_MODULE_RE.match(path)
    if not match:
        return None
    try:
        names = sorted(os.listdir(match.group("site")))
    except OSError:
        return None
    for name in names:
        found = _METADATA_RE.match(name)
        if found:
            return found.group("version")
    return None


def parse_module_version(value: Any) -> Tuple[int, int]:
    """``(major, minor)`` of a mod_wsgi version such as ``'6.1.1'``; DaemonInfoError if not."""
    match = _VERSION_RE.fullmatch(value) if isinstance(value, str) else None
    if not match:
        raise _input_error("mod_wsgi_version", value, "a mod_wsgi version such as '6.1.1' or '4.9'")
    return int(match.group(1)), int(match.group(2))


def overhead_for(version: Optional[str]) -> int:
    """Non-request threads of a daemon process of that mod_wsgi (4.x/5.x when unknown)."""
    if version is not None and parse_module_version(version)[0] >= 6:
        return THREAD_OVERHEAD_6
    return THREAD_OVERHEAD


def _check_count(name: str, value: Any) -> int:
    """``value`` if it is an integer >= 0 (not a bool); DaemonInfoError naming ``name`` if not."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _input_error(name, value, "an integer >= 0")
    return value


def chosen_overhead(thread_overhead: Any, mod_wsgi_version: Any, app_threads: Any = 0) -> Any:
    """The thread overhead a caller asks for: its own, else its version's plus its app's.

    None (neither given) lets :func:`scan` work it out from the module Apache loaded.
    """
    if thread_overhead is not None or mod_wsgi_version is None:
        return thread_overhead
    return overhead_for(mod_wsgi_version) + _check_count("app_threads", app_threads)


def _check_parameters(
    *,
    expected: Any,
    process_group: Optional[str],
    thread_overhead: Any,
    app_threads: Any,
    headroom_percent: Any,
) -> Dict[str, Dict[str, int]]:
    """Validate the scan parameters; return ``expected`` parsed."""
    if thread_overhead is not None:
        _check_count("thread_overhead", thread_overhead)
    _check_count("app_threads", app_threads)
    if (
        isinstance(headroom_percent, bool)
        or not isinstance(headroom_percent, (int, float))
        or not math.isfinite(headroom_percent)
        or headroom_percent < 0
    ):
        raise _input_error("headroom_percent", headroom_percent, "a number >= 0")
    if process_group is not None and not _is_group_name(process_group):
        raise _input_error("process_group", process_group, GROUP_NAME)
    wanted = _parse_expected(expected)
    others = sorted(set(wanted) - {process_group})
    if process_group is not None and others:
        raise _input_error(
            "process_group",
            process_group,
            f"the only group named in expected, or no process_group (expected names "
            f"{', '.join(others)})",
        )
    return wanted


# Reading /proc ------------------------------------------------------------------------


def _read_processes(
    proc_root: str,
    clk_tck: int,
    user_lookup: Callable[[int], Optional[str]],
    notes: List[str],
) -> Dict[int, Dict[str, Any]]:
    """Every readable process under proc_root by pid; a note counts the skipped ones."""
    try:
        pids = list_pids(proc_root)
        boot_time = read_boot_time(proc_root)
        uptime = read_uptime(proc_root)
    except (OSError, ValueError) as exc:
        raise DaemonInfoError(
            f"{MODULE}: cannot read {describe(proc_root)} ({exc}); expected a Linux procfs"
        ) from exc
    procs: Dict[int, Dict[str, Any]] = {}
    for pid in pids:
        proc = read_process(
            proc_root,
            pid=pid,
            clk_tck=clk_tck,
            boot_time=boot_time,
            uptime=uptime,
            user_lookup=user_lookup,
        )
        if proc is not None:
            procs[pid] = proc
    vanished = len(pids) - len(procs)
    if vanished:
        notes.append(
            f"{_plural(vanished, 'process')} vanished or could not be read during the scan "
            "and were skipped"
        )
    return procs


def _apache_parents(procs: Dict[int, Dict[str, Any]], apache_pid: Optional[int]) -> List[int]:
    """apache_pid when given, else every Apache process whose parent is not Apache."""
    if apache_pid is not None:
        if apache_pid not in procs:
            raise _input_error(
                "apache_pid", apache_pid, "the pid of the running Apache parent process"
            )
        return [apache_pid]
    return sorted(
        pid
        for pid, proc in procs.items()
        if _is_apache(proc)
        and proc["display"] is None
        and not (proc["ppid"] in procs and _is_apache(procs[proc["ppid"]]))
    )


# Finding the daemons ------------------------------------------------------------------


def _identify(proc: Dict[str, Any]) -> Optional[Tuple[str, bool, str]]:
    """(group, truncated, identified_by) of a child of Apache, None when not a daemon."""
    if proc["display"] is not None:
        name, truncated = proc["display"]
        return name, truncated, "display-name"
    if catches_signal(proc["sigcgt"], SIGXCPU):
        return UNNAMED, False, "sigxcpu-handler"
    return None


def _daemon_entry(
    proc: Dict[str, Any], identity: Tuple[str, bool, str], thread_overhead: int
) -> Dict[str, Any]:
    """The per-process entry of the result for a daemon process."""
    name, truncated, identified = identity
    threads = proc["threads"]
    estimate = threads - thread_overhead if threads and threads > thread_overhead else None
    return {
        "pid": proc["pid"],
        "ppid": proc["ppid"],
        "group": name,
        "display_name": proc["argv0"] if identified == "display-name" else None,
        "display_name_truncated": truncated,
        "identified_by": identified,
        "uid": proc["uid"],
        "user": proc["user"],
        "threads": threads,
        "thread_overhead": thread_overhead,
        "request_threads_estimate": estimate,
        "rss_kb": proc["rss_kb"],
        "pss_kb": proc["pss_kb"],
        "cpu_seconds": proc["cpu_seconds"],
        "cpu_percent": proc["cpu_percent"],
        "start_time": proc["start_time"],
        "age_seconds": proc["age_seconds"],
    }


def _find_daemons(
    procs: Dict[int, Dict[str, Any]],
    parents: List[int],
    thread_overhead: int,
    notes: List[str],
) -> List[Dict[str, Any]]:
    """The daemon processes among the children of parents, in pid order."""
    daemons = []
    for pid in sorted(procs):
        proc = procs[pid]
        identity = _identify(proc) if proc["ppid"] in parents else None
        if identity is None:
            continue
        daemons.append(_daemon_entry(proc, identity, thread_overhead))
        if proc["smaps_error"]:
            notes.append(
                f"PSS of pid {pid} is null: smaps_rollup unreadable "
                f"({proc['smaps_error']}); run as root with CAP_SYS_PTRACE (podman: "
                "--cap-add SYS_PTRACE) to read it"
            )
    return daemons


def truncation_candidates(name: str, groups: List[str]) -> List[str]:
    """The groups a truncated display name NAME may stand for (those it is a prefix of)."""
    return sorted({group for group in groups if group.startswith(name)})


def _attribute_truncated(daemons: List[Dict[str, Any]], known: List[str], notes: List[str]) -> None:
    """Give each truncated display name to the one known group it is a prefix of.

    A name that several known groups start with stays as it is, with a note: the
    processes of those groups cannot be told apart.
    """
    for daemon in daemons:
        if not daemon["display_name_truncated"]:
            continue
        candidates = truncation_candidates(daemon["group"], known)
        if len(candidates) == 1:
            notes.append(
                f"pid {daemon['pid']}: truncated display name "
                f"{daemon['display_name']!r} attributed to group {candidates[0]}"
            )
            daemon["group"] = candidates[0]
        elif candidates:
            notes.append(
                f"pid {daemon['pid']}: truncated display name {daemon['display_name']!r} "
                f"is ambiguous (groups {', '.join(candidates)}); reported under "
                f"{daemon['group']}"
            )


# Summaries and comparison -------------------------------------------------------------


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 'es'}"


def _stats(values: List[Optional[int]]) -> Dict[str, Any]:
    known = [value for value in values if value is not None]
    if not known or len(known) != len(values):
        return {"total": None, "avg": None, "max": None}
    return {
        "total": sum(known),
        "avg": round(sum(known) / len(known)),
        "max": max(known),
    }


def recommended_rss_mb(max_kb: Optional[int], headroom_percent: float) -> Optional[int]:
    """MB (MiB) to feed wsgi_sizing's process_rss_mb: max_kb plus headroom, rounded up."""
    if max_kb is None:
        return None
    return math.ceil(max_kb * (1 + headroom_percent / 100.0) / KB_PER_MB)


def _summarise(name: str, procs: List[Dict[str, Any]], headroom: float) -> Dict[str, Any]:
    rss = _stats([proc["rss_kb"] for proc in procs])
    pss = _stats([proc["pss_kb"] for proc in procs])
    basis = "pss" if pss["max"] is not None else "rss"
    estimates = {proc["request_threads_estimate"] for proc in procs}
    return {
        "group": name,
        "count": len(procs),
        "pids": [proc["pid"] for proc in procs],
        "threads_per_process": [proc["threads"] for proc in procs],
        "request_threads_estimate": estimates.pop() if len(estimates) == 1 else None,
        "display_name_truncated": any(proc["display_name_truncated"] for proc in procs),
        "rss_kb": rss,
        "pss_kb": pss,
        "memory_basis": basis,
        "recommended_process_rss_mb": recommended_rss_mb(
            pss["max"] if basis == "pss" else rss["max"], headroom
        ),
        "cpu_seconds": round(sum(proc["cpu_seconds"] for proc in procs), 2),
        "processes": procs,
    }


def _summarise_groups(
    daemons: List[Dict[str, Any]], process_group: Optional[str], headroom: float
) -> Dict[str, Dict[str, Any]]:
    """Group summaries by name (only process_group when given), sorted by name."""
    by_group: Dict[str, List[Dict[str, Any]]] = {}
    for daemon in daemons:
        if process_group is None or daemon["group"] == process_group:
            by_group.setdefault(daemon["group"], []).append(daemon)
    return {name: _summarise(name, by_group[name], headroom) for name in sorted(by_group)}


def _compare(
    name: str, summary: Optional[Dict[str, Any]], spec: Dict[str, int], unnamed: int
) -> List[str]:
    """Mismatch sentences for one expected group (empty list = matches)."""
    sentences = []
    count = summary["count"] if summary else 0
    if "processes" in spec and count != spec["processes"]:
        running = "no process" if count == 0 else _plural(count, "process")
        sentence = f"group {name}: {running} running, {spec['processes']} expected"
        if count == 0 and unnamed:
            sentence += (
                f" ({_plural(unnamed, 'daemon process')} without display-name=%{{GROUP}} "
                f"found under {UNNAMED!r}; set display-name to attribute them)"
            )
        sentences.append(sentence)
    if summary and "threads" in spec:
        for proc in summary["processes"]:
            estimate = proc["request_threads_estimate"]
            if estimate != spec["threads"]:
                shown = "unknown" if estimate is None else estimate
                sentences.append(
                    f"group {name}: process {proc['pid']} has {shown} request threads "
                    f"({proc['threads']} threads - {proc['thread_overhead']} overhead), "
                    f"{spec['threads']} expected"
                )
    if count == 0 and "processes" not in spec:
        sentences.append(f"group {name}: no process running")
    return sentences


def _compare_expected(
    groups: Dict[str, Dict[str, Any]], wanted: Dict[str, Dict[str, int]]
) -> Dict[str, Any]:
    """The ``expected``, ``unexpected_groups`` and ``all_match`` keys of the result.

    Running expected groups also get their ``matches`` and ``mismatches``.
    """
    unnamed = groups[UNNAMED]["count"] if UNNAMED in groups else 0
    results = {}
    for name, spec in sorted(wanted.items()):
        sentences = _compare(name, groups.get(name), spec, unnamed)
        results[name] = {"matches": not sentences, "mismatches": sentences}
        if name in groups:
            groups[name].update(results[name])
    return {
        "expected": results,
        "unexpected_groups": sorted(set(groups) - set(wanted)),
        "all_match": all(item["matches"] for item in results.values()),
    }


class HostReaders(NamedTuple):
    """How :func:`scan` turns clock ticks into seconds and uids into names."""

    clk_tck: Optional[int] = None
    user_lookup: Callable[[int], Optional[str]] = default_user_lookup


def scan(
    proc_root: str = PROC_ROOT,
    *,
    apache_pid: Optional[int] = None,
    process_group: Optional[str] = None,
    expected: Optional[Dict[str, Any]] = None,
    thread_overhead: Optional[int] = None,
    app_threads: int = 0,
    headroom_percent: float = DEFAULT_HEADROOM_PERCENT,
    readers: Optional[HostReaders] = None,
) -> Dict[str, Any]:
    """Scan proc_root for mod_wsgi daemon processes and summarise them per group.

    Returns a dict with ``apache`` (parent pids), ``mod_wsgi`` (the module Apache
    loaded and its version), ``groups`` (group -> summary), ``notes`` and, when
    ``expected`` is given, per-group ``matches``/``mismatches``, ``unexpected_groups``
    and ``all_match``. ``thread_overhead`` None means: mod_wsgi's own threads for the
    version of the module Apache loaded (see :func:`chosen_overhead`), plus
    ``app_threads`` (threads the app starts itself). Raises DaemonInfoError on bad input.
    """
    wanted = _check_parameters(
        expected=expected,
        process_group=process_group,
        thread_overhead=thread_overhead,
        app_threads=app_threads,
        headroom_percent=headroom_percent,
    )
    notes: List[str] = []
    readers = readers or HostReaders()
    procs = _read_processes(
        proc_root,
        os.sysconf("SC_CLK_TCK") if readers.clk_tck is None else readers.clk_tck,
        readers.user_lookup,
        notes,
    )
    parents = _apache_parents(procs, apache_pid)
    module = loaded_module(proc_root, parents)
    if thread_overhead is None:
        thread_overhead = overhead_for(module["version"]) + app_threads
    daemons = _find_daemons(procs, parents, thread_overhead, notes)
    # Truncated display names can only be resolved against names the caller gave.
    known = list(wanted) + ([process_group] if process_group else [])
    _attribute_truncated(daemons, known, notes)
    groups = _summarise_groups(daemons, process_group, headroom_percent)
    if not parents:
        notes.append("no Apache parent process (apache2/httpd) found")
    result: Dict[str, Any] = {
        "apache": {"pids": parents},
        "mod_wsgi": module,
        "groups": groups,
        "thread_overhead": thread_overhead,
        "headroom_percent": headroom_percent,
        "notes": notes,
    }
    if expected is not None:
        result.update(_compare_expected(groups, wanted))
    return result
