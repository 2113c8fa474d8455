"""target-csv: a Singer target that writes each stream's records to a CSV file and echoes state to stdout.

Usage: tap-something | target-csv --config CONFIG.json

CONFIG.json: {"destination_path": "artifacts"}: stream `s` goes to `<destination_path>/<s>.csv` (relative to the
working directory). Rows are keyed by the stream's `key_properties`: a record whose key is already in the file
replaces that row, so re-running a sync never duplicates rows. Records are written to the file (atomically) whenever
a STATE message arrives and at the end of input; after writing, the target prints the state value as one JSON line
on stdout, as Singer targets do, so the last line of stdout is the state to resume from.

A line that is not a Singer message (not JSON, no type, a RECORD before its SCHEMA, ...) is an error: one CRITICAL
line on stderr naming the input line, exit code 1, and records received since the last STATE are not written.
"""

import argparse
import csv
import json
import logging
import os
import sys

LOGGER = logging.getLogger("target_csv")


class TargetError(Exception):
    """An expected problem (bad config or bad input); reported as one CRITICAL line and exit code 1."""


class StreamFile:
    """One stream's CSV file: the rows already in it plus the records received, keyed by key_properties."""

    def __init__(self, path, columns, key_properties):
        self.path = path
        self.columns = columns
        self.key_properties = key_properties
        self.rows = {}
        self.pending = 0
        self.written = 0
        if os.path.exists(path):
            with open(path, newline="", encoding="utf-8") as f:
                for row in csv.DictReader(f):
                    self.rows[self.key_of(row, len(self.rows))] = row

    def key_of(self, row, position):
        """The row's key; without key_properties every row is its own key (append only)."""
        if not self.key_properties:
            return ("#", position)
        return tuple(str(row.get(name, "")) for name in self.key_properties)

    def add(self, record):
        """Adds or replaces a row; values that are not text are written as CSV-friendly text."""
        row = {name: format_value(record.get(name)) for name in self.columns}
        self.rows[self.key_of(row, len(self.rows))] = row
        self.pending += 1

    def flush(self):
        """Rewrites the file with every row, through a temporary file so a crash never leaves half a CSV."""
        if not self.pending and os.path.exists(self.path):
            return
        folder = os.path.dirname(self.path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        temporary = self.path + ".tmp"
        with open(temporary, "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=self.columns, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(self.rows.values())
        os.replace(temporary, self.path)
        self.written += self.pending
        self.pending = 0


def format_value(value):
    """CSV cell text: empty for null, JSON for objects and lists, str() otherwise."""
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return value


def read_config(path):
    """Returns the destination folder from the config file."""
    try:
        with open(path, encoding="utf-8") as f:
            config = json.load(f)
    except FileNotFoundError:
        raise TargetError("config file not found: %s" % path) from None
    except ValueError as error:
        raise TargetError("config file %s is not valid JSON: %s" % (path, error)) from None
    if not isinstance(config, dict):
        raise TargetError("config file %s must hold a JSON object" % path)
    return str(config.get("destination_path") or ".")


def parse_message(line, number):
    """Parses one input line into a message dict, or raises TargetError naming the line."""
    shown = line.rstrip("\r\n")
    try:
        message = json.loads(line)
    except ValueError as error:
        raise TargetError("stdin line %d is not valid JSON (%s): %.80r" % (number, error, shown)) from None
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise TargetError("stdin line %d is not a Singer message (a JSON object with a type): %.80r" % (number, shown))
    return message


def echo_state(value):
    """Prints the state value as one JSON line, as Singer targets do."""
    sys.stdout.write(json.dumps(value) + "\n")
    sys.stdout.flush()


def flush_all(streams):
    """Writes every stream that received records since the last flush."""
    for stream in streams.values():
        stream.flush()


def process_lines(lines, destination):
    """Handles the message stream; returns {stream name: StreamFile}."""
    streams = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        message = parse_message(line, number)
        kind = message["type"]
        if kind == "SCHEMA":
            name = message.get("stream")
            properties = (message.get("schema") or {}).get("properties")
            if not isinstance(name, str) or not isinstance(properties, dict):
                raise TargetError("stdin line %d: SCHEMA needs a stream name and schema.properties" % number)
            path = os.path.join(destination, name + ".csv")
            streams[name] = StreamFile(path, list(properties), list(message.get("key_properties") or []))
        elif kind == "RECORD":
            name = message.get("stream")
            if name not in streams:
                raise TargetError("stdin line %d: RECORD for stream %r before its SCHEMA" % (number, name))
            if not isinstance(message.get("record"), dict):
                raise TargetError("stdin line %d: RECORD needs a record object" % number)
            streams[name].add(message["record"])
        elif kind == "STATE":
            flush_all(streams)
            echo_state(message.get("value"))
        elif kind == "ACTIVATE_VERSION":
            continue
        else:
            raise TargetError("stdin line %d: unknown message type %r" % (number, kind))
    flush_all(streams)
    return streams


def main(argv=None):
    """Console script entry point."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    LOGGER.addHandler(handler)
    LOGGER.setLevel(logging.INFO)
    LOGGER.propagate = False
    parser = argparse.ArgumentParser(prog="target-csv", description="Singer target: records to CSV files")
    parser.add_argument("--config", required=True, help="JSON config file")
    args = parser.parse_args(argv)
    try:
        destination = read_config(args.config)
        streams = process_lines(sys.stdin, destination)
    except TargetError as error:
        LOGGER.critical("%s", error)
        return 1
    for name, stream in streams.items():
        LOGGER.info(
            "Wrote %d records of %s to %s (%d rows in the file)", stream.written, name, stream.path, len(stream.rows)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
