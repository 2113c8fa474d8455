"""Unit tests of the example's tap, target and build backend (stdlib unittest; no install needed).

Run: python3 -m unittest discover -s examples/exchange-rates/tests
"""

import contextlib
import csv
import importlib.util
import io
import json
import os
import subprocess
import sys
import tempfile
import unittest
import zipfile

FILES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "files")


def load_module(folder, name):
    """Imports files/<folder>/<name>.py under a unique name, so the two build_backend copies do not collide."""
    spec = importlib.util.spec_from_file_location(folder + "_" + name, os.path.join(FILES, folder, name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tap = load_module("tap_rates", "tap_rates")
target = load_module("target_csv", "target_csv")


def run_tap(config, state=None):
    """Runs the tap in-process; returns (exit code, stdout messages, stderr text)."""
    with tempfile.TemporaryDirectory() as folder:
        config_path = os.path.join(folder, "config.json")
        with open(config_path, "w") as f:
            json.dump(config, f)
        argv = ["--config", config_path]
        if state is not None:
            state_path = os.path.join(folder, "state.json")
            with open(state_path, "w") as f:
                json.dump(state, f)
            argv += ["--state", state_path]
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            tap.LOGGER.handlers.clear()
            code = tap.main(argv)
    return code, [json.loads(line) for line in out.getvalue().splitlines()], err.getvalue()


def run_target(lines, folder):
    """Runs target-csv as a process on the given stdin lines; returns the CompletedProcess."""
    config_path = os.path.join(folder, "target-config.json")
    with open(config_path, "w") as f:
        json.dump({"destination_path": os.path.join(folder, "out")}, f)
    return subprocess.run(
        [sys.executable, os.path.join(FILES, "target_csv", "target_csv.py"), "--config", config_path],
        input="".join(line + "\n" for line in lines),
        capture_output=True,
        text=True,
    )


CONFIG = {"base_currency": "USD", "start_date": "2024-01-01", "rates_file": os.path.join(FILES, "rates.csv")}


class TapTest(unittest.TestCase):
    def test_emits_schema_records_and_a_state_per_month(self):
        code, messages, err = run_tap(CONFIG)
        self.assertEqual(code, 0)
        self.assertEqual(messages[0]["type"], "SCHEMA")
        records = [m for m in messages if m["type"] == "RECORD"]
        self.assertEqual(len(records), 60)
        states = [m["value"]["bookmarks"]["exchange_rate"]["last_date"] for m in messages if m["type"] == "STATE"]
        self.assertEqual(states, ["2024-01-31", "2024-02-29"])
        self.assertIn(
            'INFO METRIC: {"type": "counter", "metric": "record_count", "value": 31, '
            '"tags": {"endpoint": "exchange_rate"}}',
            err,
        )
        self.assertIn('INFO METRIC: {"type": "timer", "metric": "http_request_duration"', err)

    def test_resumes_after_the_bookmark(self):
        state = {"bookmarks": {"exchange_rate": {"last_date": "2024-02-25"}}}
        _, messages, _ = run_tap(CONFIG, state)
        dates = [m["record"]["date"] for m in messages if m["type"] == "RECORD"]
        self.assertEqual(dates, ["2024-02-26", "2024-02-27", "2024-02-28", "2024-02-29"])

    def test_accepts_a_whole_state_message_as_state(self):
        state = {"type": "STATE", "value": {"bookmarks": {"exchange_rate": {"last_date": "2024-02-28"}}}}
        _, messages, _ = run_tap(CONFIG, state)
        self.assertEqual([m["record"]["date"] for m in messages if m["type"] == "RECORD"], ["2024-02-29"])

    def test_cross_rates_for_another_base(self):
        _, messages, _ = run_tap(dict(CONFIG, base_currency="EUR", end_date="2024-01-01"))
        record = [m["record"] for m in messages if m["type"] == "RECORD"][0]
        self.assertEqual(record["EUR"], 1.0)
        self.assertAlmostEqual(record["USD"], 1 / 0.915, places=5)

    def test_bad_config_is_exit_code_1(self):
        code, _, err = run_tap(dict(CONFIG, base_currency="XYZ"))
        self.assertEqual(code, 1)
        self.assertIn("CRITICAL base_currency must be one of", err)


class TargetTest(unittest.TestCase):
    SCHEMA = json.dumps(
        {"type": "SCHEMA", "stream": "s", "schema": {"properties": {"k": {}, "v": {}}}, "key_properties": ["k"]}
    )

    def record(self, k, v):
        return json.dumps({"type": "RECORD", "stream": "s", "record": {"k": k, "v": v}})

    def test_writes_csv_and_echoes_state_values(self):
        with tempfile.TemporaryDirectory() as folder:
            state = {"type": "STATE", "value": {"bookmarks": {"s": {"last": 2}}}}
            result = run_target([self.SCHEMA, self.record(1, "a"), self.record(2, "b"), json.dumps(state)], folder)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertEqual(result.stdout.splitlines(), [json.dumps(state["value"])])
            with open(os.path.join(folder, "out", "s.csv")) as f:
                self.assertEqual(list(csv.reader(f)), [["k", "v"], ["1", "a"], ["2", "b"]])

    def test_replaces_rows_with_the_same_key(self):
        with tempfile.TemporaryDirectory() as folder:
            run_target([self.SCHEMA, self.record(1, "a"), self.record(2, "b")], folder)
            run_target([self.SCHEMA, self.record(2, "B"), self.record(3, "c")], folder)
            with open(os.path.join(folder, "out", "s.csv")) as f:
                self.assertEqual(list(csv.reader(f)), [["k", "v"], ["1", "a"], ["2", "B"], ["3", "c"]])

    def test_malformed_line_is_exit_code_1_and_writes_nothing_pending(self):
        with tempfile.TemporaryDirectory() as folder:
            result = run_target([self.SCHEMA, self.record(1, "a"), "not json"], folder)
            self.assertEqual(result.returncode, 1)
            self.assertIn("CRITICAL stdin line 3 is not valid JSON", result.stderr)
            self.assertFalse(os.path.exists(os.path.join(folder, "out", "s.csv")))

    def test_record_before_schema_is_an_error(self):
        with tempfile.TemporaryDirectory() as folder:
            result = run_target([self.record(1, "a")], folder)
            self.assertEqual(result.returncode, 1)
            self.assertIn("before its SCHEMA", result.stderr)


class BuildBackendTest(unittest.TestCase):
    def test_wheel_holds_module_entry_point_and_a_matching_record(self):
        backend = load_module("tap_rates", "build_backend")
        with tempfile.TemporaryDirectory() as folder:
            name = backend.build_wheel(folder)
            self.assertEqual(name, "tap_rates-0.1.0-py3-none-any.whl")
            with zipfile.ZipFile(os.path.join(folder, name)) as wheel:
                names = wheel.namelist()
                self.assertIn("tap_rates.py", names)
                entry_points = wheel.read("tap_rates-0.1.0.dist-info/entry_points.txt").decode()
                self.assertIn("tap-rates = tap_rates:main", entry_points)
                record = wheel.read("tap_rates-0.1.0.dist-info/RECORD").decode().splitlines()
                for line in record[:-1]:
                    path, _, _ = line.split(",")
                    self.assertEqual(line, backend.describe_record_entry(path, wheel.read(path)))

    def test_both_packages_carry_the_same_backend(self):
        with open(os.path.join(FILES, "tap_rates", "build_backend.py")) as a:
            with open(os.path.join(FILES, "target_csv", "build_backend.py")) as b:
                self.assertEqual(a.read(), b.read())


if __name__ == "__main__":
    unittest.main()
