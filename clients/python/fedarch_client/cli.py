"""python3 -m fedarch_client submit|follow|fetch: the client from a shell.

    python3 -m fedarch_client submit 127.0.0.1:PORT examples/tiny-smoke.yaml [--fetch ./model]
    python3 -m fedarch_client follow 127.0.0.1:PORT JOB_ID
    python3 -m fedarch_client fetch 127.0.0.1:PORT JOB_ID ./model [--scope CLIENT --client-id 3] [--source paths]

Exit status 0 on success; 1 with the reason on stderr otherwise (2 for a wrong command line).
"""
import argparse
import sys

from .client import FedarchClient
from .errors import FedarchError
from .report import fetched_line, model_ready_lines, round_line

PROG = "python3 -m fedarch_client"


def main(argv=None):
    args = _parser().parse_args(argv)
    try:
        with FedarchClient(args.bootstrap, client_name="fedarch_client cli") as client:
            return args.command(client, args)
    except FedarchError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _submit(client, args):
    with client.submit(args.job_file) as job:
        print(f"submitted {job.job_id}", flush=True)
        return _follow_job(client, job, args)


def _follow(client, args):
    with client.follow(args.job_id) as job:
        return _follow_job(client, job, args)


def _follow_job(client, job, args):
    for event in job.rounds(timeout=args.timeout):
        print(round_line(event), flush=True)
    ready = job.wait_for_model(timeout=args.timeout)
    print("\n".join(model_ready_lines(ready)), flush=True)
    if args.fetch:
        _print_fetched(client.fetch_model(ready, args.fetch, timeout=args.timeout, log=print))
    return 0


def _fetch(client, args):
    ready = client.model_ready(args.job_id, args.scope, args.client_id, args.macs_budget, args.timeout)
    print(f"ModelReady {ready['eventId']} of job {args.job_id} ({ready['scope']}): {len(ready['files'])} files")
    _print_fetched(client.fetch_model(ready, args.output, source=args.source, timeout=args.timeout, log=print))
    return 0


def _print_fetched(files):
    for fetched in files:
        print(fetched_line(fetched), flush=True)


def _parser():
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(required=True, metavar="submit|follow|fetch")

    submit = commands.add_parser("submit", help="submit a job file, follow its rounds, wait for its model")
    submit.add_argument("bootstrap")
    submit.add_argument("job_file", help="a YAML job file (a job: section, as examples/*.yaml)")
    submit.add_argument("--fetch", metavar="DIR", help="also fetch the model's files into DIR")
    submit.set_defaults(command=_submit)

    follow = commands.add_parser("follow", help="follow a submitted job's rounds and wait for its model")
    follow.add_argument("bootstrap")
    follow.add_argument("job_id")
    follow.add_argument("--fetch", metavar="DIR", help="also fetch the model's files into DIR")
    follow.set_defaults(command=_follow)

    fetch = commands.add_parser("fetch", help="fetch a job's delivered model files, verified")
    fetch.add_argument("bootstrap")
    fetch.add_argument("job_id")
    fetch.add_argument("output")
    fetch.add_argument("--scope", choices=["GLOBAL", "CLIENT", "BUDGET"], default="GLOBAL")
    fetch.add_argument("--client-id", type=int, help="for --scope CLIENT: whose model")
    fetch.add_argument("--macs-budget", type=int, help="for --scope BUDGET: which budget's model")
    fetch.add_argument("--source", choices=["topic", "paths"], default="topic",
                       help="fedarch.artifact-chunks (default) or the ModelReady's local file paths")
    fetch.set_defaults(command=_fetch)

    for command in (submit, follow, fetch):
        command.add_argument("--timeout", type=float, default=900, help="seconds to wait for each step")
    return parser
