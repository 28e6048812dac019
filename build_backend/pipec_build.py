"""pipec's build backend: setuptools, plus one `.pth` file in every wheel, editable ones too.

The `.pth` file (`pipec-zenml-standin.pth`, beside this module) makes ZenML's imports resolve
to pipec's stand-in in scripts run with plain Python when ZenML is not installed (see
`pipec.runtime.zenml_compat`). setuptools cannot put a file at the top of site-packages in
an editable wheel, so each wheel it builds gets the file added here, through the PEP 517
hooks only, with the wheel's RECORD updated to match.
"""

from __future__ import annotations

import base64
import hashlib
import os
import zipfile
from pathlib import Path

from setuptools import build_meta as _setuptools
from setuptools.build_meta import *  # noqa: F403 - every other hook is setuptools' own

PTH = Path(__file__).with_name("pipec-zenml-standin.pth")


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    """setuptools' wheel, with the `.pth` file added."""
    name = _setuptools.build_wheel(wheel_directory, config_settings, metadata_directory)
    _add_pth(Path(wheel_directory) / name)
    return name


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    """setuptools' editable wheel, with the `.pth` file added."""
    name = _setuptools.build_editable(wheel_directory, config_settings, metadata_directory)
    _add_pth(Path(wheel_directory) / name)
    return name


def _add_pth(wheel: Path) -> None:
    """Rewrite `wheel` with the `.pth` file at its root and a line for it in RECORD."""
    data = PTH.read_bytes()
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    staged = wheel.with_suffix(".tmp")
    with zipfile.ZipFile(wheel) as source, zipfile.ZipFile(staged, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename.endswith(".dist-info/RECORD"):
                content += f"{PTH.name},sha256={digest},{len(data)}\n".encode()
            elif info.filename == PTH.name:
                continue
            target.writestr(info, content)
        entry = zipfile.ZipInfo(PTH.name, date_time=(1980, 1, 1, 0, 0, 0))
        entry.external_attr = 0o644 << 16
        target.writestr(entry, data, zipfile.ZIP_DEFLATED)
    os.replace(staged, wheel)
