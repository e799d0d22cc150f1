#!/usr/bin/env bash
# The PostgreSQL pass of `make test`: the suite again, against a real PostgreSQL server.
#
#   scripts/ci/test-pg.sh PYTHON [pytest arguments...]
#
# With CLINICBILL_TEST_PG set, tests/conftest.py deselects the tests that never reach a
# database (tests/pg.py reaches_database: no db_url-based fixture, no call into tests/pg.py's
# backend functions, no CLINICBILL_TEST_PG; a `clinicbill --db tmp/x.db` subprocess is always
# SQLite): they give the same result on both backends and ran in the SQLite pass. The summary
# ends with "PostgreSQL pass: N tests that reach a database; M backend-independent tests ...".
#
# With CLINICBILL_TEST_PG already set, uses that server. Otherwise starts a throwaway cluster
# (scripts/ci/pg-start.sh), runs the suite with CLINICBILL_TEST_PG pointing at it, and stops
# it. When no server can be had: a skip with the reason locally, a failure when CI=true.
set -uo pipefail
cd "$(dirname "$0")/../.."
py=${1:?usage: test-pg.sh PYTHON [pytest args...]}
shift

echo "== PostgreSQL pass (the tests that reach a database, with CLINICBILL_TEST_PG)"
if [[ -n ${CLINICBILL_TEST_PG:-} ]]; then
    exec "$py" -m pytest "$@"
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/clinicbill-pg.XXXXXX")
trap 'scripts/ci/pg-stop.sh "$dir"' EXIT INT TERM
scripts/ci/pg-start.sh "$dir"
rc=$?
if [[ $rc == 3 ]]; then
    if [[ ${CI:-} == true ]]; then
        echo "error: CI=true and no PostgreSQL server could be started: the PostgreSQL pass" \
            "is required in CI" >&2
        exit 1
    fi
    echo "SKIPPED the PostgreSQL pass: no PostgreSQL server on this machine" \
        "(install Debian's postgresql package, or set CLINICBILL_TEST_PG to a server URL)"
    exit 0
elif [[ $rc != 0 ]]; then
    echo "error: the throwaway PostgreSQL cluster did not start (see above)" >&2
    exit 1
fi
CLINICBILL_TEST_PG=$(cat "$dir/url") "$py" -m pytest "$@"
