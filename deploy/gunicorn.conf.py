"""gunicorn settings for Haven (docs/deployment.md).

Per host, override any of them on the command line or in ``GUNICORN_CMD_ARGS`` (set in
/etc/haven/haven.env), e.g. ``GUNICORN_CMD_ARGS="--bind 10.0.0.11:8001 --workers 9"``.
"""

import os

# Only the reverse proxy talks to gunicorn: loopback on one server, a private address when
# several app servers sit behind one proxy (then firewall the port to the proxy alone).
bind = ["127.0.0.1:8001"]

# Haven's requests are short (one transaction each); sync workers are the simplest and most
# robust choice. Twice the cores plus one keeps the CPU busy while some workers wait on the
# database. Every worker holds up to one database connection.
workers = (os.cpu_count() or 1) * 2 + 1
worker_class = "sync"
timeout = 30
graceful_timeout = 30
# Recycle workers now and then, so a slow leak can never grow without bound: after 20,000
# to 40,000 requests each. The jitter is as wide as the limit, so workers that served equal
# shares do not all restart together: under load, five workers recycled within seconds of
# each other (at 5,000 plus up to 500) stalled the server for up to two seconds
# (bench/surge.py).
max_requests = 20000
max_requests_jitter = 20000

# Slow clients are the proxy's problem: it buffers whole requests (deploy/Caddyfile).
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190

# No access log: it would hold applicants' addresses (README, docs/threat-model.md).
accesslog = None
errorlog = "-"
loglevel = "info"
proc_name = "haven"

# X-Forwarded-* headers count only from the proxy (gunicorn's view; Django's is
# HAVEN_PROXY_COUNT and HAVEN_BEHIND_PROXY).
forwarded_allow_ips = "127.0.0.1,::1"

# systemd starts, reloads and stops gunicorn; its runtime control socket is not needed.
control_socket_disable = True


def post_worker_init(worker: object) -> None:
    """Before a new worker accepts a connection, send it the public pages once
    (haven/warmup.py), so that no applicant waits while it loads views, templates and
    translations. Then keep what it has loaded out of the garbage collector's full
    collections: they walked it all, 60 to 190 ms each under load (haven/warmup.py)."""
    from haven.warmup import freeze, warm_up

    warm_up()
    freeze()
