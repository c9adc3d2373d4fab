"""The Teams app package: manifest (schema v1.30), generated icons, zip, and validation.

`create_package` checks the inputs, builds and validates the package and writes it atomically;
`validate_package` checks any package zip and lists its problems. This room imports only
`codestream.config` and `codestream.errors`.
"""

from __future__ import annotations

from codestream.apppackage.manifest import MANIFEST_VERSION, SCHEMA_URL, build_manifest
from codestream.apppackage.package import (
    DEFAULT_PACKAGE_PATH,
    BuiltPackage,
    OutputNotWritable,
    PackageInvalid,
    create_package,
    default_package_path,
    files_problems,
    package_files,
    validate_package,
    zip_bytes,
)
from codestream.apppackage.settings import PackageSettings, settings_from_mapping
from codestream.apppackage.validation import (
    check_app_id,
    check_host,
    check_settings,
    manifest_problems,
    manifest_schema,
)

__all__ = [
    "DEFAULT_PACKAGE_PATH",
    "MANIFEST_VERSION",
    "SCHEMA_URL",
    "BuiltPackage",
    "OutputNotWritable",
    "PackageInvalid",
    "PackageSettings",
    "build_manifest",
    "check_app_id",
    "check_host",
    "check_settings",
    "create_package",
    "default_package_path",
    "files_problems",
    "manifest_problems",
    "manifest_schema",
    "package_files",
    "settings_from_mapping",
    "validate_package",
    "zip_bytes",
]
