#!/bin/bash
# SPDX-License-Identifier: MIT
# Sourced after lib.sh: Debian's postgresql 15 in the scratch directory
# (skips when it is not there), initdb'd as the postgres user with trust
# authentication, listening on a unix socket only.  Sets DB, AS_PG, SERVER,
# PSQL and PGBENCH; defines ready and postmaster_pid.
PGBIN=/usr/lib/postgresql/15/bin
[ -x "$PGBIN/postgres" ] || { echo "SKIP: postgresql 15 is not installed"; exit 77; }
id postgres >/dev/null 2>&1 || { echo "SKIP: no postgres user"; exit 77; }

DB=$T/pg
chmod 755 "$T"
mkdir -p "$DB/data" "$DB/sock"
chown postgres:postgres "$DB/data" "$DB/sock"
AS_PG=(setpriv --reuid postgres --regid postgres --init-groups)
"${AS_PG[@]}" "$PGBIN/initdb" -D "$DB/data" -A trust -U postgres >"$T/initdb.out" 2>&1
check "initdb into a temporary directory" test $? -eq 0
SERVER=("${AS_PG[@]}" "$PGBIN/postgres" -D "$DB/data" -k "$DB/sock" -c "listen_addresses=")
PSQL=(psql -X -q -h "$DB/sock" -U postgres -d postgres -v ON_ERROR_STOP=1)
PGBENCH=("$PGBIN/pgbench" -h "$DB/sock" -U postgres)

ready() {
	"${PSQL[@]}" -tAc 'select 1' 2>/dev/null | grep -qx 1
}

postmaster_pid() {
	head -1 "$DB/data/postmaster.pid" 2>/dev/null
}
