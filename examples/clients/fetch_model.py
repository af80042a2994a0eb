#!/usr/bin/env python3
"""Fetch a delivered model's files from Kafka alone, as an outside system: nothing but the broker and the .avsc files.

Needs Debian's python3-avro and python3-confluent-kafka; the work is done by the client package in clients/python
(fedarch_client). Given a job id, it reads the job's newest ModelReady from fedarch.models-ready (of the scope
asked for), reassembles every file of that delivery from the chunks on fedarch.artifact-chunks (ArtifactChunk.avsc
says how), verifies their sizes and SHA-256 digests against the chunks and against the ModelReady, and writes them
under the output directory:

    python3 examples/clients/fetch_model.py 127.0.0.1:PORT JOB_ID ./model
    python3 examples/clients/fetch_model.py 127.0.0.1:PORT JOB_ID ./model --scope CLIENT --client-id 3

Exit status 0 when every file is complete and verified; 1 with the reason on stderr otherwise.
"""
import argparse
import sys
from pathlib import Path

# The package lives in this repository's clients/python; found from this script's place, wherever it is run from.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "clients" / "python"))

from fedarch_client import FedarchClient, FedarchError  # noqa: E402
from fedarch_client.report import fetched_line  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bootstrap")
    parser.add_argument("job_id")
    parser.add_argument("output")
    parser.add_argument("--scope", choices=["GLOBAL", "CLIENT", "BUDGET"], default="GLOBAL")
    parser.add_argument("--client-id", type=int, help="for --scope CLIENT: whose model")
    parser.add_argument("--macs-budget", type=int, help="for --scope BUDGET: which budget's model")
    parser.add_argument("--timeout", type=float, default=600, help="seconds to read each topic to its end")
    args = parser.parse_args()
    try:
        client = FedarchClient(args.bootstrap, client_name="fetch_model.py")
        ready = client.model_ready(args.job_id, args.scope, args.client_id, args.macs_budget, args.timeout)
        print(f"ModelReady {ready['eventId']} of job {args.job_id} ({ready['scope']}): {len(ready['files'])} files")
        for fetched in client.fetch_model(ready, args.output, timeout=args.timeout, log=print):
            print(fetched_line(fetched))
    except FedarchError as e:
        print(f"fetch_model.py: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
