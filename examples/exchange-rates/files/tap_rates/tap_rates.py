"""tap-rates: a Singer tap that emits daily exchange rates read from a local CSV file.

The CSV stands in for a rates API, so the example never needs the internet. Its columns are `date` and the price of
one US dollar in each other currency (`date,EUR,GBP,JPY`); other base currencies are computed by cross rates.

Usage: tap-rates --config CONFIG.json [--state STATE.json]

CONFIG.json: {"base_currency": "USD", "start_date": "2024-01-01", "end_date": "", "rates_file": "files/rates.csv"}
(`end_date` empty or absent means no end; `rates_file` is relative to the working directory).
STATE.json: {"bookmarks": {"exchange_rate": {"last_date": "2024-01-31"}}}, or the whole STATE message; the tap
resumes with the day after `last_date`.

stdout: Singer messages, one JSON object per line: SCHEMA, then RECORDs, and a STATE after each batch (one batch per
calendar month, like one API request per month). stderr: log lines in singer-python's form (`INFO ...`), including
`INFO METRIC: {...}` lines for the `http_request_duration` timer and the `record_count` counter.
"""

import argparse
import csv
import datetime
import json
import logging
import signal
import sys
import time

STREAM = "exchange_rate"
CURRENCIES = ("USD", "EUR", "GBP", "JPY")

LOGGER = logging.getLogger("tap_rates")


class TapError(Exception):
    """An expected problem (bad config, missing file); reported as one CRITICAL line and exit code 1."""


def configure_logging():
    """Logs to stderr as `LEVEL message`, the format singer-python uses and log metric filters expect."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    LOGGER.addHandler(handler)
    LOGGER.setLevel(logging.INFO)
    LOGGER.propagate = False


def log_metric(metric_type, metric, value, tags):
    """Writes a metric line exactly as singer-python's metrics module does."""
    payload = {"type": metric_type, "metric": metric, "value": value, "tags": tags}
    LOGGER.info("METRIC: %s", json.dumps(payload))


def write_message(message):
    """Writes one Singer message as a JSON line and flushes, so the target sees it at once."""
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def parse_date(value, what):
    """Parses YYYY-MM-DD or raises TapError naming the field."""
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise TapError("%s must be a date like 2024-01-31, got %r" % (what, value)) from None


def read_json_file(path, what):
    """Reads a JSON object from path or raises TapError naming the file."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except FileNotFoundError:
        raise TapError("%s file not found: %s" % (what, path)) from None
    except ValueError as error:
        raise TapError("%s file %s is not valid JSON: %s" % (what, path, error)) from None
    if not isinstance(data, dict):
        raise TapError("%s file %s must hold a JSON object" % (what, path))
    return data


def read_config(path):
    """Returns the validated config: base currency, start and end dates, rates file."""
    raw = read_json_file(path, "config")
    base = str(raw.get("base_currency") or "USD").upper()
    if base not in CURRENCIES:
        raise TapError("base_currency must be one of %s, got %r" % (", ".join(CURRENCIES), base))
    if not raw.get("start_date"):
        raise TapError("config %s needs start_date (YYYY-MM-DD)" % path)
    start = parse_date(raw["start_date"], "start_date")
    end = parse_date(raw["end_date"], "end_date") if raw.get("end_date") else None
    return {
        "base_currency": base,
        "start_date": start,
        "end_date": end,
        "rates_file": raw.get("rates_file") or "files/rates.csv",
    }


def read_bookmark(path):
    """Returns the last emitted date from a state file, or None; accepts the state value or a whole STATE message."""
    state = read_json_file(path, "state")
    if state.get("type") == "STATE":
        state = state.get("value") or {}
    last = state.get("bookmarks", {}).get(STREAM, {}).get("last_date")
    return parse_date(last, "state bookmark last_date") if last else None


def read_usd_rates(path):
    """Reads the CSV into [(date, {currency: units per USD})], sorted by date."""
    try:
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    except FileNotFoundError:
        raise TapError("rates file not found: %s" % path) from None
    rates = []
    for number, row in enumerate(rows, start=2):
        try:
            day = datetime.date.fromisoformat(row["date"])
            usd = {"USD": 1.0}
            usd.update((code, float(row[code])) for code in CURRENCIES if code != "USD")
        except (KeyError, TypeError, ValueError) as error:
            raise TapError("rates file %s line %d is malformed: %s" % (path, number, error)) from None
        rates.append((day, usd))
    rates.sort(key=lambda item: item[0])
    return rates


def convert_rates(usd, base):
    """Cross rates: units of each currency per one unit of base, rounded to six decimals."""
    return {code: round(usd[code] / usd[base], 6) for code in CURRENCIES}


def build_schema_message():
    """The SCHEMA message of the exchange_rate stream."""
    properties = {"date": {"type": "string", "format": "date"}, "base": {"type": "string"}}
    properties.update((code, {"type": ["null", "number"]}) for code in CURRENCIES)
    return {
        "type": "SCHEMA",
        "stream": STREAM,
        "schema": {"type": "object", "properties": properties},
        "key_properties": ["date", "base"],
        "bookmark_properties": ["date"],
    }


def build_state_message(last_date):
    """The STATE message that bookmarks last_date (or an empty bookmark when nothing was ever emitted)."""
    bookmark = {"last_date": last_date.isoformat()} if last_date else {}
    return {"type": "STATE", "value": {"bookmarks": {STREAM: bookmark}}}


def group_by_month(rates):
    """Splits dated rows into consecutive batches, one per calendar month."""
    batches = []
    for day, usd in rates:
        if batches and (batches[-1][0][0].year, batches[-1][0][0].month) == (day.year, day.month):
            batches[-1].append((day, usd))
        else:
            batches.append([(day, usd)])
    return batches


def sync(config, bookmark):
    """Emits SCHEMA, then RECORDs and a STATE per batch; returns the number of records."""
    base = config["base_currency"]
    first = config["start_date"]
    if bookmark and bookmark >= first:
        first = bookmark + datetime.timedelta(days=1)
        LOGGER.info("Resuming after bookmark %s", bookmark.isoformat())
    end = config["end_date"]
    LOGGER.info("Syncing %s from %s to %s, base %s", STREAM, first, end or "the last available day", base)
    write_message(build_schema_message())

    started = time.monotonic()
    rates = read_usd_rates(config["rates_file"])
    wanted = [(day, usd) for day, usd in rates if day >= first and (not end or day <= end)]
    last_date = bookmark
    total = 0
    for batch in group_by_month(wanted):
        tags = {"endpoint": STREAM, "status": "succeeded"}
        log_metric("timer", "http_request_duration", round(time.monotonic() - started, 6), tags)
        for day, usd in batch:
            record = {"date": day.isoformat(), "base": base}
            record.update(convert_rates(usd, base))
            write_message({"type": "RECORD", "stream": STREAM, "record": record})
        last_date = batch[-1][0]
        total += len(batch)
        log_metric("counter", "record_count", len(batch), {"endpoint": STREAM})
        write_message(build_state_message(last_date))
        started = time.monotonic()
    if total == 0:
        log_metric("counter", "record_count", 0, {"endpoint": STREAM})
        write_message(build_state_message(last_date))
    LOGGER.info("Sync of %s finished: %d records, last date %s", STREAM, total, last_date or "none")
    return total


def main(argv=None):
    """Console script entry point."""
    # Die quietly on a closed stdout like other Unix tools, instead of a BrokenPipeError traceback.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    configure_logging()
    parser = argparse.ArgumentParser(prog="tap-rates", description="Singer tap: daily exchange rates from a CSV file")
    parser.add_argument("--config", required=True, help="JSON config file")
    parser.add_argument("--state", help="JSON state file with the bookmark to resume after")
    args = parser.parse_args(argv)
    try:
        config = read_config(args.config)
        bookmark = read_bookmark(args.state) if args.state else None
        sync(config, bookmark)
    except TapError as error:
        LOGGER.critical("%s", error)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
