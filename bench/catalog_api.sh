#!/usr/bin/env bash
# Benchmark: the catalog API in the production shape (gunicorn + PostgreSQL + a Celery
# worker on Redis), measured with the same client that measured Backstage
# (../shared/bench/bench_api.py). Run bench/catalog_ingest.py --count N first: it leaves
# the catalog of N in the database paved_bench and the generated files in /tmp/paved-bench.
#
#   bench/catalog_api.sh [N]        (default N=10000)
#
# Prints the client's JSON for latency, throughput (16 connections), refresh and the web
# process's memory and idle CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-10000}"
PORT="${BENCH_PORT:-8765}"
GEN="/tmp/paved-bench/gen-$N"
CLIENT="../shared/bench/bench_api.py"
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/paved_bench"
export CELERY_BROKER_URL="redis://127.0.0.1:6379/14"
export PAVED_SECRET_KEY="bench-only-secret"
export PAVED_FILE_ROOTS="/tmp/paved-bench"
export PAVED_LOG_LEVEL=WARNING
# State outside the file root: settings refuse a root that holds keys, the database or the broker.
export PAVED_VAR_DIR="/tmp/paved-bench-var"
# The client speaks plain HTTP on the loopback; outside make run, HTTP is otherwise redirected to HTTPS.
export PAVED_SSL_REDIRECT=false
mkdir -p "$PAVED_VAR_DIR"
PY=.venv/bin/python

test -f "$GEN/manifest.json" || { echo "run: .venv/bin/python bench/catalog_ingest.py --count $N" >&2; exit 2; }
$PY manage.py shell -c "
from django.contrib.auth import get_user_model
get_user_model().objects.get_or_create(username='bench')" >/dev/null
TOKEN=$($PY manage.py create_api_token bench | tail -n 1)

.venv/bin/gunicorn portal.wsgi --bind "127.0.0.1:$PORT" --log-level warning &
WEB=$!
.venv/bin/celery -A portal worker --loglevel=warning --concurrency 1 &
WORKER=$!
trap 'kill $WEB $WORKER 2>/dev/null; wait 2>/dev/null' EXIT
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done

client() { python3 "$CLIENT" --base "http://127.0.0.1:$PORT" --token "$TOKEN" "$@"; }
echo "== latency (N=$N)"
client latency --n 1000 --manifest "$GEN/manifest.json"
echo "== throughput, by-name, 16 connections"
client throughput --concurrency 16 --duration 15 --manifest "$GEN/manifest.json"
PROBE_NAME=$(python3 -c "import json; print(json.load(open('$GEN/manifest.json'))['probe']['name'])")
PROBE_FILE=$(python3 -c "import json; m=json.load(open('$GEN/manifest.json')); print('$GEN/' + m['probe']['file'])")
echo "== refresh: file edit + POST /refresh -> served"
client refresh --file "$PROBE_FILE" --name "$PROBE_NAME" --trigger
echo "== web process memory and idle CPU (30 s)"
client procstat --window 30 "web=$WEB"
