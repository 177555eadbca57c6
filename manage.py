#!/usr/bin/env python
from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "careerpath.settings")
    # manage.py is the developer's tool (README commands, `make run`): development settings
    # unless told otherwise. Deployments set DEBUG=0 and a SECRET_KEY; wsgi/asgi default off.
    os.environ.setdefault("DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
