import unittest

from support import java_fixtures, read_tsv

from fedarch_client.partitioning import job_partition


class PartitioningTest(unittest.TestCase):
    def test_job_partitions_are_those_of_kafkas_default_partitioner(self):
        rows = read_tsv(java_fixtures(self) / "partitions.tsv")
        self.assertGreaterEqual(len(rows), 5)
        for job_id, partitions, java_partition in rows:
            with self.subTest(job_id):
                self.assertEqual(int(java_partition), job_partition(job_id, int(partitions)))


if __name__ == "__main__":
    unittest.main()
