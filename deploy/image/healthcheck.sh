#!/bin/bash
# The image's HEALTHCHECK: GET /v2/health/ready on the service's own port, with bash's /dev/tcp (no curl in the image).
# Healthy only on "200"; 503 (a model not loaded yet, or failed) and no answer are unhealthy.
port=${CROPVISION_PORT:-8080}
exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
printf 'GET /v2/health/ready HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&3
IFS=' ' read -r -t 5 _ status _ <&3 || exit 1
[ "$status" = 200 ]
