#!/usr/bin/env bash
# CodeStream On-Prem: the seed's installer lines, forwarded to the `codestream` command.
#
#   ./single-host-preview-install.sh --create-mst-app-package <app-id> <public-api-host>
#   ./single-host-preview-install.sh --create-mst-app-pkg <app-id> <public-api-host>
#   ./single-host-preview-install.sh [-M] -a start|stop|restart|status
#
# -M leaves the database service alone (the original: "don't touch the mongo container").
# The `codestream` command is taken from $CODESTREAM_BIN, else .venv/bin/codestream next to this
# script, else PATH.
set -euo pipefail

prog=$(basename "$0")

usage() {
	cat >&2 <<USAGE
usage: $prog --create-mst-app-package <app-id> <public-api-host>
       $prog --create-mst-app-pkg <app-id> <public-api-host>
       $prog [-M] -a start|stop|restart|status

  --create-mst-app-package   build ~/.codestream/codestream-mst-app.zip for Microsoft Teams
                             (--create-mst-app-pkg is the same)
  -a ACTION                  start, stop, restart or show the status of the services
  -M                         leave the database service alone
  -y                         accepted for compatibility; nothing asks for confirmation
USAGE
	exit 2
}

find_codestream() {
	local here
	here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
	if [[ -n "${CODESTREAM_BIN:-}" ]]; then
		echo "$CODESTREAM_BIN"
	elif [[ -x "$here/.venv/bin/codestream" ]]; then
		echo "$here/.venv/bin/codestream"
	elif command -v codestream >/dev/null 2>&1; then
		command -v codestream
	else
		echo "$prog: cannot find the codestream command: install it (pip install .) or run 'make' in $here" >&2
		exit 2
	fi
}

case "${1:-}" in
--create-mst-app-package | --create-mst-app-pkg)
	[[ $# -eq 3 ]] || {
		echo "$prog: $1 needs exactly two arguments: <app-id> <public-api-host>" >&2
		usage
	}
	[[ -n "$2" && -n "$3" ]] || usage
	codestream=$(find_codestream) || exit 2
	exec "$codestream" create-mst-app-package -- "$2" "$3"
	;;
-h | --help)
	usage
	;;
esac

action=""
mongo_flag=""
while getopts ":a:Myh" opt; do
	case "$opt" in
	a) action=$OPTARG ;;
	M) mongo_flag="-M" ;;
	y) ;;
	h) usage ;;
	:)
		echo "$prog: -$OPTARG needs a value" >&2
		usage
		;;
	*)
		echo "$prog: unknown option -$OPTARG" >&2
		usage
		;;
	esac
done
shift $((OPTIND - 1))
[[ $# -eq 0 ]] || {
	echo "$prog: unexpected argument: $1" >&2
	usage
}

case "$action" in
start | stop | restart | status)
	codestream=$(find_codestream) || exit 2
	exec "$codestream" "$action" ${mongo_flag:+"$mongo_flag"}
	;;
"")
	usage
	;;
*)
	echo "$prog: action '$action' is not supported here; use start, stop, restart or status" >&2
	usage
	;;
esac
