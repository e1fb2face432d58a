"""JUnit XML for CI systems (GitHub, GitLab, Jenkins, Azure read it): one test suite per run,
one test case per clip and expectation (``classname`` = the clip's path relative to the
folder given, ``runner.clip_names``; ``name`` = exercise, view,
reps or a fault); a mismatch is a ``<failure>``, a clip that could not be analysed an
``<error>``. A case's ``<system-out>`` gives what was expected and what the run got and, for a
fault, the reps it could not judge with why (``not judged (rep 2): the lifter's back is
hidden …``) and the caveats on its verdict (``caveat (whole clip): no warning does not rule a
rounding out; …``), in the words of the clip's page and terminal: what a pass cannot rule out.
Written with ``junitparser``. No run times and no timestamp: the same results
give the same bytes on every run, so CI can diff or cache the report (`-v` prints each
clip's time)."""

from __future__ import annotations

from pathlib import Path

from formcheck.check.runner import ClipCheck
from formcheck.fsutil import write_bytes_atomic

SUITE_NAME = "formcheck check"
ERROR_CASE = "analysis"


def caveat_lines(res: ClipCheck, fault: str) -> tuple[str, ...]:
    """``caveat (<scope>): <caveat>`` for each caveat the clip's report put on ``fault``'s
    verdict (``ClipCheck.caveats``); none for a case that is not a fault's."""
    return tuple(f"caveat ({scope}): {text}" for f, scope, text in res.caveats if f == fault)


def not_judged_lines(res: ClipCheck, fault: str) -> tuple[str, ...]:
    """``not judged (<scope>): <reason>`` for each rep or stretch of ``fault`` the clip's
    report could not judge (``ClipCheck.not_judged``; the whole clip's reason is in "got")."""
    return tuple(f"not judged ({scope}): {reason}" if reason else f"not judged ({scope})"
                 for f, scope, reason in res.not_judged if f == fault)


def build_junit(results: list[ClipCheck]):
    from junitparser import Error, Failure, JUnitXml, TestCase, TestSuite

    suite = TestSuite(SUITE_NAME)
    for res in results:
        classname = res.label
        if res.error is not None:
            case = TestCase(ERROR_CASE, classname)
            err = Error(res.error, f"exit code {res.error_code}")
            case.result = [err]
            suite.add_testcase(case)
            continue
        for o in res.outcomes:
            case = TestCase(o.name, classname)
            case.system_out = "\n".join((f"expected: {o.expected}", f"got: {o.got}",
                                          *not_judged_lines(res, o.name),
                                          *caveat_lines(res, o.name)))
            if not o.passed:
                fail = Failure(f"{o.name}: expected {o.expected}, got {o.got}", "mismatch")
                fail.text = "\n".join((*o.details, *res.notes)) or None
                case.result = [fail]
            suite.add_testcase(case)
    suite.update_statistics()
    xml = JUnitXml()
    xml.add_testsuite(suite)
    return xml


def write_junit(path: Path, results: list[ClipCheck]) -> Path:
    """Write the JUnit report atomically."""
    xml = build_junit(results)
    return write_bytes_atomic(path, b'<?xml version="1.0" encoding="utf-8"?>\n' + xml.tostring())
