# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Files and options: rotated and gzipped logs, missing and unreadable paths, the OS
family's default log, the group filter and max_restarts."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log import (
    DEFAULT_MAX_RESTARTS,
    ErrorLogError,
    analyse,
    default_log_glob,
    files,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.files import (
    expand_paths,
    rotation_key,
)

LOGS = Path(__file__).resolve().parents[4] / "fixtures" / "logs"
NAME = "wsgiscale.mod_wsgi.restart_info"


def log(version, scenario):
    return str(LOGS / f"mod_wsgi-{version}-{scenario}.log")


def summary(result):
    return {
        name: (g["restarts_by_reason"], g["failures_by_kind"], g["victims_total"])
        for name, g in result["groups"].items()
    }


@pytest.mark.parametrize(
    ("names", "ordered"),
    [
        (["error.log", "error.log.1", "error.log.2.gz", "error.log.10.gz"],
         ["error.log.10.gz", "error.log.2.gz", "error.log.1", "error.log"]),
        (["error_log", "error_log-20261126", "error_log-20261119.gz"],
         ["error_log-20261119.gz", "error_log-20261126", "error_log"]),
    ],
)  # fmt: skip
def test_rotation_order(names, ordered):
    assert sorted(names, key=rotation_key) == ordered


def test_rotated_and_gzipped_logs_read_oldest_first(tmp_path):
    whole = Path(log("6.1", "request-timeout")).read_bytes().splitlines(keepends=True)
    parts = [whole[:20], whole[20:40], whole[40:]]
    with gzip.open(tmp_path / "error.log.2.gz", "wb") as handle:
        handle.write(b"".join(parts[0]))
    (tmp_path / "error.log.1").write_bytes(b"".join(parts[1]))
    (tmp_path / "error.log").write_bytes(b"".join(parts[2]))
    result = analyse([str(tmp_path / "error.log*")])
    assert [os.path.basename(f) for f in result["files"]] == [
        "error.log.2.gz",
        "error.log.1",
        "error.log",
    ]
    reference = analyse([log("6.1", "request-timeout")])
    assert summary(result) == summary(reference)
    assert result["lines"] == len(whole)
    restart = result["groups"]["demo"]["restarts"][0]
    assert restart["source"].endswith("error.log.2.gz")
    assert b"request time limit" in parts[0][restart["line"] - 1]
    later = result["groups"]["demo"]["restarts"][1]
    assert later["source"].endswith(("error.log.1", "error.log"))
    source = parts[1] if later["source"].endswith(".1") else parts[2]
    assert b"request time limit" in source[later["line"] - 1]


def test_truncated_gzip_is_a_warning(tmp_path):
    data = gzip.compress(Path(log("4.9", "request-timeout")).read_bytes())
    path = tmp_path / "error.log.1.gz"
    path.write_bytes(data[: len(data) // 2])
    result = analyse([str(path)])
    assert result["warnings"] and str(path) in result["warnings"][0]
    assert result["lines"] > 0


def test_missing_path_is_an_error_naming_it(tmp_path):
    missing = str(tmp_path / "nope" / "error.log*")
    with pytest.raises(ErrorLogError) as info:
        analyse([missing])
    assert str(info.value) == (
        f"{NAME}: parameter 'path' got {missing!r} (str), which matches no error log; "
        "expected existing files or globs that match at least one"
    )
    result = analyse([missing], allow_missing=True)
    assert result["files"] == [] and result["groups"] == {}
    assert result["warnings"] == [f"{NAME}: no error log matches {missing}"]


def test_several_missing_paths_are_listed(tmp_path):
    missing = [str(tmp_path / "a.log"), str(tmp_path / "b*.log")]
    with pytest.raises(ErrorLogError) as info:
        analyse([missing[0], log("4.9", "signal"), missing[1]])
    assert f"got {missing[0]!r} (str), {missing[1]!r} (str), which match no error log" in str(
        info.value
    )


def test_unreadable_file_is_an_error_naming_it(tmp_path, monkeypatch):
    path = tmp_path / "error.log"
    path.write_bytes(b"")

    def denied(name, mode="r"):
        raise PermissionError(13, "Permission denied", name)

    monkeypatch.setattr(files, "open", denied, raising=False)
    with pytest.raises(ErrorLogError) as info:
        analyse([str(path)])
    assert str(info.value) == (
        f"{NAME}: parameter 'path' got {str(path)!r} (str), which cannot be read "
        "(Permission denied); expected a readable error log"
    )


def test_directory_is_an_error(tmp_path):
    with pytest.raises(ErrorLogError, match="which is a directory; expected a log file"):
        analyse([str(tmp_path)])


def test_expand_paths_deduplicates(tmp_path):
    (tmp_path / "error.log").write_bytes(b"")
    found, missing = expand_paths([str(tmp_path / "error.log"), str(tmp_path / "*.log")])
    assert found == [str(tmp_path / "error.log")] and missing == []


@pytest.mark.parametrize(
    ("marker", "expected"),
    [
        ("etc/debian_version", "/var/log/apache2/error.log*"),
        ("etc/redhat-release", "/var/log/httpd/error_log*"),
        ("var/log/httpd/", "/var/log/httpd/error_log*"),
        (None, "/var/log/apache2/error.log*"),
    ],
)
def test_default_log_glob(tmp_path, marker, expected):
    if marker:
        target = tmp_path / marker
        target.parent.mkdir(parents=True, exist_ok=True)
        if marker.endswith("/"):
            target.mkdir(exist_ok=True)
        else:
            target.write_text("x")
    assert default_log_glob(str(tmp_path)) == expected


def test_process_group_filter():
    result = analyse([log("5.0", "signal")], process_group="maxreq")
    assert list(result["groups"]) == ["maxreq"]
    assert result["totals"]["restarts"] == 2


@pytest.mark.parametrize("value", [-1, "3", 2.5])
def test_max_restarts_must_be_a_count(value):
    with pytest.raises(ErrorLogError) as info:
        analyse([log("4.9", "request-timeout")], max_restarts=value)
    assert str(info.value) == (
        f"{NAME}: parameter 'max_restarts' got {value!r} ({type(value).__name__}); "
        "expected 0 (no detail) or more"
    )


def test_max_restarts_keeps_the_latest(tmp_path):
    group = analyse([log("4.9", "request-timeout")], max_restarts=0)["groups"]["demo"]
    assert group["restarts"] == [] and group["restarts_total"] == 3
    assert group["culprits"][0]["count"] == 2
    group = analyse([log("4.9", "request-timeout")], max_restarts=1)["groups"]["demo"]
    assert [r["reason"] for r in group["restarts"]] == ["apache-shutdown"]
    assert group["restarts_omitted"] == 2
    # The default keeps DEFAULT_MAX_RESTARTS of the 3 * 8 maximum-requests restarts here.
    many = tmp_path / "error.log"
    many.write_bytes(Path(log("4.9", "maximum-requests")).read_bytes() * 8)
    group = analyse([str(many)])["groups"]["maxreq"]
    assert group["restarts_total"] == 24
    assert len(group["restarts"]) == DEFAULT_MAX_RESTARTS == 20
