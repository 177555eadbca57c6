"""gunicorn's settings for careerpath, from the environment (docs/operations.md).

    .venv/bin/gunicorn -c gunicorn.conf.py careerpath.wsgi

GUNICORN_BIND      address:port to listen on (127.0.0.1:8000: a reverse proxy in front)
GUNICORN_WORKERS   worker processes (2 × CPUs + 1)
GUNICORN_TIMEOUT   seconds a request may take before its worker is restarted (30)
GUNICORN_ACCESS_LOG  off by default: the app logs every request itself, with its request
                   id (careerpath.middleware.RequestLogMiddleware); on, gunicorn adds its
                   own line per request
LOG_LEVEL          as for the app (INFO)
"""

from __future__ import annotations

import multiprocessing
import os

_TRUE = {"1", "true", "yes", "on"}

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")
workers = int(os.environ.get("GUNICORN_WORKERS") or multiprocessing.cpu_count() * 2 + 1)
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = timeout
# Replaced now and then, so a slow leak in one worker cannot grow for ever.
max_requests = 2000
max_requests_jitter = 200
# Heartbeat files in memory: a slow or full disk must not get healthy workers killed.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# Whether a request came over HTTPS is Django's call (TRUST_X_FORWARDED_PROTO): gunicorn's
# own default would believe X-Forwarded-Proto from any local client.
secure_scheme_headers: dict[str, str] = {}
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

loglevel = os.environ.get("LOG_LEVEL", "info").lower()
errorlog = "-"
accesslog = "-" if os.environ.get("GUNICORN_ACCESS_LOG", "").strip().lower() in _TRUE else None
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms id=%({x-request-id}o)s'
