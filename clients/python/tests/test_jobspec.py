import tempfile
import unittest
from pathlib import Path

from support import CONTRACT, REPOSITORY

from fedarch_client.errors import SpecError
from fedarch_client.jobspec import build_job_spec, read_job_file


class JobSpecTest(unittest.TestCase):
    def test_the_tiny_smoke_job_file_becomes_a_full_job_spec(self):
        spec = build_job_spec(CONTRACT, read_job_file(REPOSITORY / "examples" / "tiny-smoke.yaml"))
        self.assertEqual("tiny-smoke", spec["name"])
        self.assertEqual(2, spec["rounds"])
        self.assertEqual(3000, spec["data"]["trainLimit"])
        self.assertEqual({"conv1": "8", "conv2": "16", "hidden": "32"}, spec["model"]["options"],
                         "map values are strings, as Java's String.valueOf writes them")
        self.assertEqual("fashion-mnist", spec["data"]["dataset"], "omitted: the schema default")
        self.assertEqual("DIRICHLET", spec["data"]["partition"]["scheme"])
        self.assertEqual(0.1, spec["data"]["partition"]["validationFraction"])
        self.assertEqual("AUTOMATIC", spec["pacing"])

    def test_every_example_job_file_is_a_valid_job_spec(self):
        for path in sorted((REPOSITORY / "examples").glob("*.yaml")):
            with self.subTest(path.name):
                self.assertIn("rounds", build_job_spec(CONTRACT, read_job_file(path)))

    def test_enums_are_matched_as_the_java_reader_does(self):
        spec = build_job_spec(CONTRACT, {"pacing": "external", "tensorDType": "fp16",
                                         "hyperParameters": {"warmup": True, "tau": 0.5}})
        self.assertEqual("EXTERNAL", spec["pacing"])
        self.assertEqual("FP16", spec["tensorDType"])
        self.assertEqual({"warmup": "true", "tau": "0.5"}, spec["hyperParameters"])

    def test_bad_settings_are_refused_naming_the_setting(self):
        cases = [({"rounds": 2.5}, "setting 'rounds': expected a whole number"),
                 ({"rounds": "many"}, "setting 'rounds': expected a whole number"),
                 ({"data": {"partition": {"schem": "IID"}}}, "unknown setting 'data.partition.schem'"),
                 ({"pacing": "sometimes"}, "setting 'pacing': 'sometimes' is not one of"),
                 ({"learningRate": None}, "setting 'learningRate': must not be null"),
                 ({"totalClients": 1 << 40}, "does not fit an int"),
                 ({"model": "cnn"}, "setting 'model': expected a map of settings")]
        for values, message in cases:
            with self.subTest(message), self.assertRaises(SpecError) as caught:
                build_job_spec(CONTRACT, values)
            self.assertIn(message, str(caught.exception))

    def test_a_job_file_without_a_job_section_is_refused(self):
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "job.yaml"
            for text, message in [("local: {workers: 2}\n", "expected a 'job:' section"),
                                  ("job: {rounds: 1}\nremote: {}\n", "unknown section 'remote'"),
                                  ("job: [unclosed\n", "cannot read job file")]:
                path.write_text(text)
                with self.subTest(message), self.assertRaises(SpecError) as caught:
                    read_job_file(path)
                self.assertIn(message, str(caught.exception))


if __name__ == "__main__":
    unittest.main()
