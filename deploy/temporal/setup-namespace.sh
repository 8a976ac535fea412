#!/bin/sh
# The vending namespace and its search attributes, through the Temporal CLI (operator API). Safe to repeat: an
# existing namespace is kept, an attribute already registered as Keyword is kept, and one registered with another
# type fails the job (so the worker and the API do not start against a namespace they cannot use).
#
# Run by docker-compose.yml's temporal-setup job (temporalio/admin-tools). `npm run cluster` does the same through
# the SDK's operator client (cluster/temporal.ts); test/operations/compose.test.ts checks that both use the same
# namespace, retention and attributes (contract/search-attributes.ts SEARCH_ATTRIBUTE_NAMES, all Keyword).
set -eu

: "${TEMPORAL_ADDRESS:?TEMPORAL_ADDRESS is required (host:port)}"
: "${TEMPORAL_NAMESPACE:?TEMPORAL_NAMESPACE is required}"
: "${NAMESPACE_RETENTION:?NAMESPACE_RETENTION is required (e.g. 720h)}"
: "${SEARCH_ATTRIBUTES:?SEARCH_ATTRIBUTES is required (space-separated names)}"

tries=0
until temporal operator cluster health >/dev/null 2>&1; do
  tries=$((tries + 1))
  if [ "$tries" -ge 60 ]; then echo "Temporal at $TEMPORAL_ADDRESS did not become healthy" >&2; exit 1; fi
  sleep 2
done

if temporal operator namespace describe --namespace "$TEMPORAL_NAMESPACE" >/dev/null 2>&1; then
  echo "namespace $TEMPORAL_NAMESPACE: already registered"
else
  temporal operator namespace create --namespace "$TEMPORAL_NAMESPACE" --retention "$NAMESPACE_RETENTION"
  echo "namespace $TEMPORAL_NAMESPACE: registered (retention $NAMESPACE_RETENTION)"
fi

for name in $SEARCH_ATTRIBUTES; do
  # A new namespace reaches every frontend's cache within seconds: until then the attribute cannot be added.
  tries=0
  until temporal operator search-attribute create --namespace "$TEMPORAL_NAMESPACE" --name "$name" --type Keyword >/dev/null 2>&1; do
    tries=$((tries + 1))
    if [ "$tries" -ge 30 ]; then echo "search attribute $name could not be registered" >&2; exit 1; fi
    sleep 2
  done
  if temporal operator search-attribute list --namespace "$TEMPORAL_NAMESPACE" | grep -Eq "(^|[[:space:]])$name[[:space:]]+Keyword([[:space:]]|$)"; then
    echo "search attribute $name: Keyword"
  else
    echo "search attribute $name is registered with another type than Keyword" >&2
    exit 1
  fi
done
