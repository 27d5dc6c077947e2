#!/usr/bin/env bash
# As the image's backend/start.sh: a WEBUI_SECRET_KEY, else one generated once into .webui_secret_key
# (in WORKDIR, lost with the container: the role always sets the variable), then uvicorn.
KEY_FILE=.webui_secret_key
PORT="${PORT:-8080}"
HOST="${HOST:-0.0.0.0}"
if test "$WEBUI_SECRET_KEY $WEBUI_JWT_SECRET_KEY" = " "; then
  echo "Loading WEBUI_SECRET_KEY from file, not provided as an environment variable."
  if ! [ -e "$KEY_FILE" ]; then
    echo "Generating WEBUI_SECRET_KEY"
    head -c 12 /dev/random | base64 > "$KEY_FILE"
  fi
  WEBUI_SECRET_KEY=$(cat "$KEY_FILE")
fi
WEBUI_SECRET_KEY="$WEBUI_SECRET_KEY" exec python3 -m uvicorn open_webui.main:app --host "$HOST" --port "$PORT" \
  --forwarded-allow-ips '*' --workers "${UVICORN_WORKERS:-1}"
