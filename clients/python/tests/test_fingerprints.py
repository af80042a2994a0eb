import unittest

from support import CONTRACT, java_fixtures, read_tsv

from fedarch_client.fingerprints import crc64_avro, fingerprint, parsing_canonical_form


class FingerprintsTest(unittest.TestCase):
    def test_every_event_schema_has_javas_canonical_form_and_fingerprint(self):
        rows = read_tsv(java_fixtures(self) / "fingerprints.tsv")
        self.assertEqual(sorted(CONTRACT.by_name), sorted(name for name, _, _ in rows),
                         "the Java classes and the .avsc files hold the same events")
        for name, java_fingerprint, java_form in rows:
            with self.subTest(name):
                schema = CONTRACT.schema(name)
                self.assertEqual(java_form, parsing_canonical_form(schema))
                self.assertEqual(int(java_fingerprint), fingerprint(schema))

    def test_python_avro_1_11s_own_canonical_form_would_give_other_fingerprints(self):
        # Why fingerprints.py exists: the library's form keeps logical-typed longs as objects.
        schema = CONTRACT.schema("JobSubmitted")
        self.assertIn('{"type":"long"}', schema.canonical_form)
        self.assertNotIn('{"type":"long"}', parsing_canonical_form(schema))
        self.assertNotEqual(crc64_avro(schema.canonical_form.encode()), fingerprint(schema))

    def test_every_event_schema_has_its_own_fingerprint(self):
        self.assertEqual(len(CONTRACT.by_name), len(CONTRACT.by_fingerprint))


if __name__ == "__main__":
    unittest.main()
