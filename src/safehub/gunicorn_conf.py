"""gunicorn's settings for Safehub (`gunicorn -c python:safehub.gunicorn_conf safehub.wsgi`), used by
`safehub serve` and the systemd unit. SAFEHUB_BIND and SAFEHUB_WEB_WORKERS override the two that vary.

gthread with one thread a worker: measured best on two cores (bench/public_submit.py), since a submission
holds the audit chain's lock until it commits and must not wait for the GIL in between; gthread rather than
sync keeps HTTP keep-alive to the reverse proxy.
"""

import os

bind = os.environ.get("SAFEHUB_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("SAFEHUB_WEB_WORKERS", "4"))
worker_class = "gthread"
threads = 1
keepalive = 75
timeout = 60  # a worker stuck this long is killed and replaced by the master
graceful_timeout = 30
max_requests = 5000  # recycle workers now and then, with jitter so they do not all restart at once
max_requests_jitter = 500
accesslog = os.environ.get("SAFEHUB_ACCESS_LOG") or None
errorlog = "-"
forwarded_allow_ips = os.environ.get("SAFEHUB_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
control_socket_disable = True  # gunicorn 27's control socket: not used, and one fixed path per user clashes
