#!/usr/bin/env python3
"""Writes deploy/herald.toml: every heraldd setting in its section, with its default and its
flag's help as a comment. Run it after adding a setting (config_test fails until the file
names every one):

    bazel build //broker/heraldd && tools/herald_toml.py bazel-bin/broker/heraldd/heraldd
"""
import os
import re
import subprocess
import sys
import textwrap

HEADER = """\
# heraldd's configuration file: every setting with its default value.
# (Written by tools/herald_toml.py from heraldd itself.)
#
#   heraldd --config /etc/herald/herald.toml
#   heraldd --config herald.toml --check_config    # validate and exit
#   heraldd --config herald.toml --print_config    # the effective values and their sources
#
# Every key is also a flag (--<key>) and an environment variable (HERALD_<KEY>, e.g.
# HERALD_HTTP_PORT). Precedence: flags, then environment variables, then this file, then the
# defaults. Durations are strings such as "500ms", "15s", "5m", "24h"."""

FOOTER = """
# Topics declared here exist after start: created when missing, updated when their settings
# differ (topics not listed are left alone). Retention: max_events (1 to 10,000,000),
# max_bytes (0: no byte bound), max_age (a duration; "0s": no age bound).
#
# [[topics]]
# name = "orders"
# max_events = 100000
# max_bytes = 0
# max_age = "24h"
# allow_browser_publish = false
# max_subscribers = 0          # per node; 0: no limit"""


def helps(heraldd):
    """Each flag's help text, from --helpfull (continuation lines joined)."""
    out = subprocess.run([heraldd, "--helpfull"], capture_output=True, text=True)
    texts, current = {}, None
    for line in (out.stdout + out.stderr).splitlines():
        start = re.match(r"\s+--(\w+) \((.*)$", line)
        if start:
            current, texts[current] = start.group(1), start.group(2)
        elif current and line.startswith("      "):
            texts[current] += " " + line.strip()
        else:
            current = None
    return {k: re.sub(r"\); default: .*$", "", v) for k, v in texts.items()}


def main():
    heraldd = sys.argv[1]
    # Only defaults: no config file or HERALD_* variable may leak into the example.
    env = {k: v for k, v in os.environ.items() if not k.startswith("HERALD_")}
    printed = subprocess.run([heraldd, "--print_config"], capture_output=True, text=True,
                             env=env, check=True).stdout
    texts = helps(heraldd)
    lines = [HEADER]
    for line in printed.splitlines()[2:]:
        setting = re.match(r"(\w+) = (.*)  # default$", line)
        if not setting:
            lines.append(line)
            continue
        key, value = setting.groups()
        lines += ["# " + w for w in textwrap.wrap(texts.get(key, ""), 92)]
        value = value.replace("'", '"')
        if value == '"0"':
            value = '"0s"'
        lines.append(f"{key} = {value}")
    lines.append(FOOTER)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with open(os.path.join(root, "deploy", "herald.toml"), "w") as out:
        out.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
