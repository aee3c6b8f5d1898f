#!/bin/sh
# Container entry point: take generated secrets if the deployment set none, migrate and load demo data
# when asked (MIGRATE_ON_START=1, SEED_DEMO=1), then run the command: web (default), relay, migrate,
# seed-demo, backup, or anything else as given (e.g. `flask --app admin_portal create-admin EMAIL`).
set -eu

cd "$(dirname "$0")/.."

case "${SERVICE:-}" in
    storefront | admin_portal | vendor_portal) ;;
    *)
        echo "SERVICE must be storefront, admin_portal or vendor_portal (got '${SERVICE:-}')" >&2
        exit 64
        ;;
esac

# SECRETS_FILE: a file on a volume shared by every container of the deployment, written once with
# random secrets; each variable the environment leaves empty is taken from it.
if [ -n "${SECRETS_FILE:-}" ]; then
    exports="$(python -m common_core.production secrets-env "$SERVICE" "$SECRETS_FILE")"
    eval "$exports"
fi

command="${1:-web}"
[ "$#" -gt 0 ] && shift

# Before serving (web, relay) as asked; one-off commands (backup, flask ...) run as they are.
case "$command" in
    web | relay) migrate="${MIGRATE_ON_START:-0}" seed="${SEED_DEMO:-0}" ;;
    migrate) migrate=1 seed=0 ;;
    seed-demo) migrate=0 seed=1 ;;
    *) migrate=0 seed=0 ;;
esac
if [ "$migrate" = "1" ]; then
    flask --app "$SERVICE" db upgrade
fi
if [ "$seed" = "1" ]; then
    # Demo data is idempotent: a restart finds it loaded and carries on. SEED_DEMO_ARGS are the
    # command's options (vendor_portal: --wait-for-categories SECONDS).
    # shellcheck disable=SC2086 # SEED_DEMO_ARGS is a list of options, split on purpose
    flask --app "$SERVICE" seed-demo ${SEED_DEMO_ARGS:-}
    wait="${SEED_WAIT_FOR_EVENTS:-600}"
    # The later steps need what other services send by event, some of it through this very relay:
    # they wait in the background while it delivers (see docs/operations.md).
    case "$SERVICE" in
        storefront)
            # Past orders buy from the catalogue copy: wait for the vendor portal's products first.
            flask --app storefront seed-demo-orders --wait-for-catalogue "${SEED_WAIT_FOR_CATALOGUE:-300}"
            flask --app storefront seed-demo-reviews --wait-for-deliveries "$wait" &
            ;;
        vendor_portal)
            flask --app vendor_portal seed-demo-fulfilment --wait-for-orders "$wait" &
            ;;
    esac
fi

case "$command" in
    web) exec gunicorn --config docker/gunicorn.conf.py "$SERVICE:create_app()" ;;
    relay) exec flask --app "$SERVICE" relay "$@" ;;
    migrate | seed-demo) exit 0 ;;
    backup) exec python -m common_core.backup backup --service "$SERVICE" "$@" ;;
    *) exec "$command" "$@" ;;
esac
