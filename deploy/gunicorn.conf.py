"""Gunicorn settings for the site (`gunicorn -c deploy/gunicorn.conf.py curation.wsgi`).

Every value can be overridden from the environment, so one file serves staging and
production. The TLS proxy in front must set X-Forwarded-Proto (see README, "TLS proxy").
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: the site's requests are short (uploads go straight to S3, long work runs
# on RQ workers); 2 per core plus one is Gunicorn's own advice.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
# A request that takes longer is stuck (a page never waits on a job): kill and log it.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# Recycle workers now and then so a slow leak never grows without bound.
max_requests = 2000
max_requests_jitter = 200
# Only the proxy named here may say a request came over HTTPS (X-Forwarded-Proto).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "INFO").lower()
# Load the app once in the master: a broken setting stops start-up instead of every worker.
preload_app = True
