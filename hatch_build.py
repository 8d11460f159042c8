"""Build hook: compile the gettext catalogs (``.po`` -> ``.mo``) into the package.

Runs for wheels and editable installs alike, so ``pip install -e .`` leaves compiled
catalogs beside their sources (the ``.mo`` files are build products, not committed).
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CompileCatalogs(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        # kmemwidgets.i18n imports only the standard library at module level, so it can
        # be loaded from the source tree without installing the package's dependencies.
        path = Path(self.root) / "kmemwidgets" / "i18n.py"
        spec = importlib.util.spec_from_file_location("_kmemwidgets_i18n", path)
        i18n = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(i18n)
        for mo in i18n.compile_catalogs():
            # Files that git ignores must be named to reach the wheel.
            build_data["force_include"][str(mo)] = str(mo.relative_to(self.root))
