"""gunicorn settings for production: ``gunicorn -c gunicorn.conf.py`` serves the app.

Sizes and the address come from the environment (README, "Production"); every piece of
state lives in PostgreSQL, so more workers or more machines need no other change.
"""

import os


def _count(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip() or str(default)
    if not value.isdigit() or int(value) < 1:
        raise SystemExit(f"{name} must be a whole number of at least 1, not {value!r}.")
    return int(value)


wsgi_app = "caseapp:create_app()"
bind = os.environ.get("ANKOMMEN_BIND", "127.0.0.1:8000")
worker_class = "gthread"
workers = _count("ANKOMMEN_WEB_WORKERS", 2)
threads = _count("ANKOMMEN_WEB_THREADS", 2)
timeout = 60  # a worker that answers nothing for this long is replaced
graceful_timeout = 30  # on SIGTERM, requests in flight get this long to finish
keepalive = 5
proc_name = "ankommen-web"
control_socket_disable = True  # systemd starts and stops the server; no runtime control socket

accesslog = "-"  # stdout
errorlog = "-"  # stderr
# Method, path WITHOUT the query string, status, bytes, milliseconds. Never the query
# string (search terms), the referer, `next=` targets or the client address: any of them
# can carry personal data.
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'


def on_starting(server):
    """Refuse to start, before binding or forking, when the environment is incomplete."""
    try:
        from caseapp.config import config_from_environment

        config_from_environment()
    except RuntimeError as exc:  # ConfigurationError, raised while reading the settings too
        raise SystemExit(f"Ankommen: {exc}") from None
