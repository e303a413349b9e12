#!/usr/bin/env python3
"""Reads Prometheus text on stdin with the official client's parser (Debian python3-prometheus-client)
and prints JSON: {"families": [{"name", "type", "samples": [{"name", "labels", "value"}]}]}.
A malformed exposition makes the parser raise: exit 1 with its message on stderr."""
import json
import math
import sys

from prometheus_client.parser import text_string_to_metric_families


def value(v):
    # JSON has no NaN or infinities.
    return str(v) if math.isnan(v) or math.isinf(v) else v


def main():
    text = sys.stdin.read()
    families = []
    for family in text_string_to_metric_families(text):
        families.append({
            "name": family.name,
            "type": family.type,
            "samples": [{"name": s.name, "labels": dict(s.labels), "value": value(s.value)} for s in family.samples],
        })
    json.dump({"families": families}, sys.stdout)


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # the parser's own errors: say which
        print(f"parse_metrics: {type(error).__name__}: {error}", file=sys.stderr)
        sys.exit(1)
