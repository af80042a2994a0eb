"""A user's program against a running stack (PythonClientSystemTest runs it; not a unit test):

    python3 clients/python/tests/live_tiny_job.py BOOTSTRAP JOB_FILE OUTPUT_DIR

submits the job file's job, prints each round as it closes, waits for the GLOBAL ModelReady, fetches its files
from fedarch.artifact-chunks into OUTPUT_DIR/topic and from the ModelReady's paths into OUTPUT_DIR/paths, and
prints each file with the SHA-256 it computed itself from the bytes on disk; then fetches them once more with
`python3 -m fedarch_client fetch`."""
import hashlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fedarch_client import FedarchClient  # noqa: E402
from fedarch_client.cli import main as cli  # noqa: E402


def main(bootstrap, job_file, output):
    with FedarchClient(bootstrap, client_name="live_tiny_job.py") as client, client.submit(job_file) as job:
        print(f"submitted {job.job_id}", flush=True)
        for closed in job.rounds(timeout=300):
            print(f"round {closed['round']}/{closed['totalRounds']} closed: global val acc "
                  f"{closed['metrics']['globalValidationAccuracy']:.4f}", flush=True)
        ready = job.wait_for_model(timeout=300)
        print(f"model ready {ready['eventId']}: {len(ready['files'])} files, test accuracy {ready['testAccuracy']:.4f}",
              flush=True)
        for source in ("topic", "paths"):
            for fetched in client.fetch_model(ready, Path(output) / source, source=source, timeout=120):
                digest = hashlib.sha256(fetched.path.read_bytes()).hexdigest()
                print(f"fetched from {source}: {fetched.name} {fetched.size} bytes sha256 {digest}", flush=True)
    # The command line's way to the same files (it prints "  NAME: SIZE bytes in N chunks, sha256 ... verified").
    return cli(["fetch", bootstrap, job.job_id, str(Path(output) / "cli"), "--timeout", "120"])


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
