"""A minimal PEP 517 build backend, standard library only, so `pip install --no-index` works fully offline.

Why not setuptools: before version 70.1 setuptools cannot build a wheel without the separate `wheel` package, which
`python3 -m venv` does not install, and the venvs of Python 3.12+ ship no setuptools at all. This backend needs
neither, so `pip install --no-index --no-build-isolation ./files/<package>` works in any fresh venv with no network.

What it reads: the `[project]` table of pyproject.toml (`name`, `version`, `description`, `requires-python`, as
simple `key = "string"` lines) and the `[project.scripts]` table (console scripts). What it packs: the single module
named after the project (`tap-rates` -> `tap_rates.py`). The same file sits in every package of this example.
"""

import base64
import hashlib
import io
import os
import re
import tarfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))

# `key = "value"` with an optional comment; keys may be quoted (`"tap-rates" = ...`).
_STRING_LINE = re.compile(r'^("?)([A-Za-z0-9_.-]+)\1\s*=\s*"([^"]*)"\s*(#.*)?$')
# Fixed timestamp for archive members, so the same sources always give the same wheel bytes.
_EPOCH = (1980, 1, 1, 0, 0, 0)


def read_pyproject(path=os.path.join(HERE, "pyproject.toml")):
    """Returns (project, scripts): the string keys of `[project]` and `[project.scripts]`."""
    tables = {}
    current = None
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("["):
                current = tables.setdefault(line.strip("[]").strip(), {})
                continue
            match = _STRING_LINE.match(line)
            if match and current is not None:
                current[match.group(2)] = match.group(3)
    project = tables.get("project", {})
    for key in ("name", "version"):
        if key not in project:
            raise ValueError('%s: [project] needs a string "%s"' % (path, key))
    return project, tables.get("project.scripts", {})


def normalize_name(name):
    """Distribution name as wheel and sdist file names spell it (`tap-rates` -> `tap_rates`)."""
    return re.sub(r"[-_.]+", "_", name).lower()


def list_wheel_files(project, scripts):
    """Returns (dist-info folder, [(archive path, bytes)]) for everything in the wheel except RECORD."""
    name, version = project["name"], project["version"]
    dist_info = "%s-%s.dist-info" % (normalize_name(name), version)
    module = name.replace("-", "_") + ".py"
    with open(os.path.join(HERE, module), "rb") as f:
        module_bytes = f.read()
    metadata = ["Metadata-Version: 2.1", "Name: " + name, "Version: " + version]
    if "description" in project:
        metadata.append("Summary: " + project["description"])
    if "requires-python" in project:
        metadata.append("Requires-Python: " + project["requires-python"])
    wheel = ["Wheel-Version: 1.0", "Generator: build_backend", "Root-Is-Purelib: true", "Tag: py3-none-any"]
    files = [
        (module, module_bytes),
        (dist_info + "/METADATA", ("\n".join(metadata) + "\n").encode()),
        (dist_info + "/WHEEL", ("\n".join(wheel) + "\n").encode()),
    ]
    if scripts:
        lines = ["[console_scripts]"] + ["%s = %s" % item for item in sorted(scripts.items())]
        files.append((dist_info + "/entry_points.txt", ("\n".join(lines) + "\n").encode()))
    return dist_info, files


def describe_record_entry(path, data):
    """One RECORD line: path, urlsafe-base64 sha256 without padding, size (the wheel spec's format)."""
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return "%s,sha256=%s,%d" % (path, digest, len(data))


def write_member(archive, path, data):
    """Adds a file to the zip with a fixed date and mode 0644."""
    info = zipfile.ZipInfo(path, date_time=_EPOCH)
    info.external_attr = 0o644 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    """PEP 517 hook: writes `<name>-<version>-py3-none-any.whl` into wheel_directory and returns its file name."""
    project, scripts = read_pyproject()
    dist_info, files = list_wheel_files(project, scripts)
    record_path = dist_info + "/RECORD"
    record = [describe_record_entry(path, data) for path, data in files] + [record_path + ",,"]
    files.append((record_path, ("\n".join(record) + "\n").encode()))
    filename = "%s-%s-py3-none-any.whl" % (normalize_name(project["name"]), project["version"])
    with zipfile.ZipFile(os.path.join(wheel_directory, filename), "w") as archive:
        for path, data in files:
            write_member(archive, path, data)
    return filename


def build_sdist(sdist_directory, config_settings=None):
    """PEP 517 hook: writes `<name>-<version>.tar.gz` with the sources and PKG-INFO; returns its file name."""
    project, scripts = read_pyproject()
    base = "%s-%s" % (normalize_name(project["name"]), project["version"])
    _, files = list_wheel_files(project, scripts)
    members = [("PKG-INFO", files[1][1])]
    for name in ("pyproject.toml", "build_backend.py", project["name"].replace("-", "_") + ".py"):
        with open(os.path.join(HERE, name), "rb") as f:
            members.append((name, f.read()))
    filename = base + ".tar.gz"
    with tarfile.open(os.path.join(sdist_directory, filename), "w:gz", format=tarfile.PAX_FORMAT) as archive:
        for name, data in members:
            info = tarfile.TarInfo(base + "/" + name)
            info.size = len(data)
            info.mode = 0o644
            archive.addfile(info, io.BytesIO(data))
    return filename
