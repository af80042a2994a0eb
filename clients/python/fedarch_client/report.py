"""One-line descriptions of a job's events for people (the CLI and the example scripts print them)."""


def round_line(event):
    """A GlobalModel: the round that closed, who reported, how the global model does."""
    m = event["metrics"]
    return (f"round {event['round']}/{event['totalRounds']}: {m['clientsReported']}/{m['clientsSelected']} "
            f"clients, global val acc {m['globalValidationAccuracy']:.4f}, {m['roundMs']} ms")


def model_ready_lines(event):
    """A ModelReady: which model, how good and how big, then one line per file."""
    # CLIENT (a personalized model) and BUDGET (SuperFedNAS: one per MACs budget) models come before the job's
    # GLOBAL one, which is its last.
    scope = event["scope"]
    which = {"CLIENT": f" of client {event.get('clientId')}",
             "BUDGET": f" for the {event.get('macsBudget')}-MACs budget"}.get(scope, "")
    lines = [f"model ready ({scope.lower()}{which}): test accuracy {event['testAccuracy']:.4f} on "
             f"{event['testSamples']} images, {event['parameterCount']} parameters, {event['macs']} MACs"]
    for artifact in event["files"]:
        lines.append(f"  {artifact['path']} ({artifact['sizeBytes']} bytes, sha256 {artifact['sha256'][:12]}...)")
    return lines


def fetched_line(fetched):
    """A file fetched from the artifacts topic and verified."""
    return f"  {fetched.name}: {fetched.size} bytes in {fetched.chunks} chunks, sha256 {fetched.sha256} verified"
