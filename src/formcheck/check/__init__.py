"""``formcheck check``: replay recorded clips and compare their findings with expectations.

- ``expect``: the expectations format (one small TOML per clip), strict parsing.
- ``compare``: report vs expectations → one ``Outcome`` per expectation.
- ``runner``: clips → cached or fresh pose data → analysis → outcomes (or ``--update``).
- ``write``: expectations from the current results, as commented TOML.
- ``truth``: a rendered clip's truth JSON, and comments where results differ from it.
- ``junit``: JUnit XML (one test case per clip and expectation).
"""

from formcheck.check.compare import Outcome, compare, observe_fault
from formcheck.check.expect import (
    Expectation,
    ExpectationError,
    ExpectedFinding,
    FaultExpectation,
    RepsExpectation,
    load_expectation,
    parse_expectation,
)

__all__ = ["Expectation", "ExpectationError", "ExpectedFinding", "FaultExpectation", "Outcome",
           "RepsExpectation", "compare", "load_expectation", "observe_fault",
           "parse_expectation"]
