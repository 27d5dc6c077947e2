#!/bin/sh
# As upstream's docker/images/n8n/docker-entrypoint.sh: the container's arguments go to `n8n`
# (`worker`, `webhook`, `start`), none starts the main instance.
if [ -d /opt/custom-certificates ]; then
  echo "Trusting custom certificates from /opt/custom-certificates."
  export NODE_OPTIONS="--use-openssl-ca $NODE_OPTIONS"
  export SSL_CERT_DIR=/opt/custom-certificates
  c_rehash /opt/custom-certificates
fi
if [ "$#" -gt 0 ]; then
  exec n8n "$@"
else
  exec n8n
fi
