#!/usr/bin/env bash
# Stop and delete a cluster made by pg-start.sh:  scripts/ci/pg-stop.sh DIR
set -uo pipefail
export PATH="$PATH:/usr/sbin:/sbin"  # runuser
dir=${1:?usage: pg-stop.sh DIR}
[[ -d $dir ]] || exit 0
if [[ -f $dir/bindir && -d $dir/data ]]; then
    bindir=$(cat "$dir/bindir")
    if [[ $(id -u) == 0 ]]; then
        runuser -u clinicbill-pg -- "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop \
            >/dev/null 2>&1
    else
        "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1
    fi
fi
rm -rf "$dir"
