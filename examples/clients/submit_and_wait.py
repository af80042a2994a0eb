#!/usr/bin/env python3
"""Submit a fedarch job and wait for its model, as an outside system: nothing but the .avsc files.

Needs Debian's python3-avro and python3-confluent-kafka; the work is done by the client package in clients/python
(fedarch_client). Start a stack with `./fedarch up`, then:

    python3 examples/clients/submit_and_wait.py 127.0.0.1:PORT --rounds 3 --train-limit 6000
    python3 examples/clients/submit_and_wait.py 127.0.0.1:PORT --external-pacing   # this script starts each round

Wire format (see docs/python-client.md): Avro single-object encoding = C3 01, the 8-byte little-endian
CRC-64-AVRO fingerprint of the writer schema's Parsing Canonical Form, then the Avro binary body.
"""
import argparse
import sys
from pathlib import Path

# The package lives in this repository's clients/python; found from this script's place, wherever it is run from.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "clients" / "python"))

from fedarch_client import FedarchClient, FedarchError, WaitTimeout  # noqa: E402
from fedarch_client.report import model_ready_lines, round_line  # noqa: E402


def job_spec(args):
    """The JobSpec settings this client chooses; the others take their schema defaults."""
    return {
        "name": "python-client", "algorithm": "fedavg",
        "model": {"family": "cnn", "options": {}},
        "data": {"dataset": "fashion-mnist", "dataDir": None,
                 "partition": {"scheme": "DIRICHLET", "dirichletAlpha": 0.5, "classesPerClient": 2,
                               "validationFraction": 0.1, "minSamplesPerClient": 10},
                 "trainLimit": args.train_limit, "testLimit": args.test_limit},
        "totalClients": args.clients, "clientsPerRound": args.clients, "rounds": args.rounds,
        "localEpochs": 1, "batchSize": 64, "learningRate": 0.05, "momentum": 0.9, "weightDecay": 0.0,
        "archLearningRate": 0.0003, "seed": 7, "roundDeadlineMs": 600000, "quorum": 0,
        "pacing": "EXTERNAL" if args.external_pacing else "AUTOMATIC", "tensorDType": "FP32", "hyperParameters": {},
    }


def run(args):
    client = FedarchClient(args.bootstrap, client_name="submit_and_wait.py")

    def start_round(number):
        client.start_round(job.job_id, number)
        print(f"requested round {number}")

    with client, client.submit(job_spec(args)) as job:
        print(f"submitted {job.job_id}")
        if args.external_pacing:
            start_round(1)
        for event in job.events(timeout=args.timeout):
            if event.kind == "GlobalModel":
                print(round_line(event))
                if args.external_pacing and event["round"] < event["totalRounds"]:
                    start_round(event["round"] + 1)
            elif event.kind == "SearchCompleted" and event["status"] == "FAILED":
                print(f"search failed: {event['reason']}")
                return 1
            elif event.kind == "DeadLetter":
                print(f"dead letter: {event['reason']}")
            elif event.kind == "ModelReady":
                print("\n".join(model_ready_lines(event)))
                if event["scope"] == "GLOBAL":
                    return 0
    return 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bootstrap")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--train-limit", type=int, default=6000)
    parser.add_argument("--test-limit", type=int, default=2000)
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--external-pacing", action="store_true",
                        help="the job waits for a RoundStartRequested before each round; this script sends them")
    args = parser.parse_args()
    try:
        return run(args)
    except WaitTimeout:
        print("timed out")
        return 1
    except FedarchError as e:
        print(f"submit_and_wait.py: error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
