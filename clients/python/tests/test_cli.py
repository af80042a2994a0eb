import contextlib
import io
import tempfile
import unittest
from pathlib import Path

import support  # noqa: F401  (puts the package on the path)

from fedarch_client.cli import main


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as e:  # argparse's way out
            code = e.code
    return code, out.getvalue(), err.getvalue()


class CliTest(unittest.TestCase):
    def test_a_job_file_that_is_not_a_valid_job_is_refused_before_anything_is_sent(self):
        with tempfile.TemporaryDirectory() as directory:
            job = Path(directory) / "job.yaml"
            job.write_text("job:\n  rounds: two\n")
            code, out, err = run("submit", "127.0.0.1:1", str(job))
        self.assertEqual(1, code)
        self.assertEqual("", out, "nothing submitted")
        self.assertIn("python3 -m fedarch_client: error: setting 'rounds': expected a whole number, got 'two'", err)

    def test_a_missing_job_file_is_named(self):
        code, _, err = run("submit", "127.0.0.1:1", "/no/such/job.yaml")
        self.assertEqual(1, code)
        self.assertIn("cannot read job file /no/such/job.yaml", err)

    def test_a_wrong_command_line_gets_the_usage(self):
        code, _, err = run("fetch", "127.0.0.1:1")
        self.assertEqual(2, code)
        self.assertIn("usage: python3 -m fedarch_client fetch", err)


if __name__ == "__main__":
    unittest.main()
