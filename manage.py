#!/usr/bin/env python
from __future__ import annotations

import os
import sys


def main() -> None:
    # Production settings unless told otherwise: DEBUG is off unless DEBUG=1 is set (as
    # `make run` does), so a command typed on a server never runs with the development key
    # or prints mail to the console. README, "Commands"; docs/operations.md.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "careerpath.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018 (loads the settings, which check the environment)
    except ImproperlyConfigured as exc:
        sys.exit(f"careerpath: {exc}")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
