import os
import struct
import unittest
from datetime import datetime, timezone
from pathlib import Path

from support import CONTRACT, java_fixtures

from fedarch_client.errors import WireError
from fedarch_client.jobspec import build_job_spec
from fedarch_client.wire import decode, encode

PYTHON_OUTPUT_VARIABLE = "FEDARCH_PYTHON_OUTPUT"


def job_submitted():
    spec = build_job_spec(CONTRACT, {"name": "from-python", "rounds": 4, "model": {"options": {"conv1": 8}}})
    return {"eventId": "e-1", "jobId": "py-wire", "timestamp": datetime(2026, 12, 2, 12, 0, tzinfo=timezone.utc),
            "spec": spec}


class WireTest(unittest.TestCase):
    def test_java_encoded_events_decode_and_encode_again_to_the_same_bytes(self):
        samples = sorted((java_fixtures(self) / "samples").glob("*.avro"))
        self.assertGreaterEqual(len(samples), 10, "SampleEvents has one event of each type")
        for path in samples:
            with self.subTest(path.stem):
                wire = path.read_bytes()
                kind, datum = decode(CONTRACT, wire)
                self.assertEqual(path.stem, kind)
                self.assertEqual(wire, encode(CONTRACT.schema(kind), datum))

    def test_an_encoded_event_decodes_to_what_was_encoded(self):
        event = job_submitted()
        wire = encode(CONTRACT.schema("JobSubmitted"), event)
        self.assertEqual(b"\xc3\x01", wire[:2])
        kind, decoded = decode(CONTRACT, wire)
        self.assertEqual("JobSubmitted", kind)
        self.assertEqual(event["spec"], decoded["spec"])
        self.assertEqual(event["timestamp"], decoded["timestamp"])
        self.assertIsNone(decoded["initialModel"], "a field left out takes its schema default")
        output = os.environ.get(PYTHON_OUTPUT_VARIABLE)
        if output:  # for the Java side to decode with its generated classes
            Path(output).write_bytes(wire)

    def test_bytes_that_are_not_a_fedarch_event_are_refused_with_the_reason(self):
        good = encode(CONTRACT.schema("JobSubmitted"), job_submitted())
        cases = {"no C3 01 header": b"not an event at all",
                 "unknown writer schema fingerprint": b"\xc3\x01" + struct.pack("<Q", 12345) + good[10:],
                 "not a valid JobSubmitted message": good[:len(good) // 2]}
        for reason, payload in cases.items():
            with self.subTest(reason), self.assertRaises(WireError) as caught:
                decode(CONTRACT, payload)
            self.assertIn(reason, str(caught.exception))

    def test_a_datum_that_does_not_fit_its_schema_is_refused(self):
        event = job_submitted()
        event["spec"]["rounds"] = "four"
        with self.assertRaises(WireError) as caught:
            encode(CONTRACT.schema("JobSubmitted"), event)
        self.assertIn("cannot encode a JobSubmitted", str(caught.exception))


if __name__ == "__main__":
    unittest.main()
