"""What the tests share: the package on the path, the contract, and the fixtures the Java side writes.

PythonClientContractTest (schemas module, run by ./fedarch test) writes into $FEDARCH_JAVA_FIXTURES the
fingerprints and Parsing Canonical Forms Java's SchemaNormalization computes, single-object messages Java's
EventCodec encoded, and Kafka's own murmur2 partitions, then runs these tests against them.
"""
import os
import sys
import unittest
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PACKAGE_ROOT))
REPOSITORY = PACKAGE_ROOT.parents[1]

from fedarch_client.schemas import Contract  # noqa: E402

CONTRACT = Contract()
FIXTURES_VARIABLE = "FEDARCH_JAVA_FIXTURES"


def java_fixtures(test):
    """The directory of Java-made fixtures; the test is skipped when it is not given (running outside Maven)."""
    directory = os.environ.get(FIXTURES_VARIABLE)
    if not directory:
        raise unittest.SkipTest(f"${FIXTURES_VARIABLE} not set: the Java side did not write its fixtures")
    path = Path(directory)
    test.assertTrue(path.is_dir(), f"${FIXTURES_VARIABLE} = {path} is not a directory")
    return path


def read_tsv(path):
    """Rows of a tab-separated fixture file."""
    return [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines() if line]
