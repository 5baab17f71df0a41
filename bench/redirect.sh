#!/usr/bin/env bash
# bench/redirect.sh — the W1 redirect quality bar (SPEC.md, "Quality bars"):
# leadrouter's redirect, on one core, must serve at least 0.5x the requests
# per second of nginx answering `return 302` with the same Set-Cookie on one
# worker.
#
# Both servers are pinned to core 0 (leadrouter with GOMAXPROCS=1); wrk runs
# on core 1 against each in turn, in alternating order, for ROUNDS rounds.
# The script prints the best and the median requests/s of each, and exits
# non-zero when the ratio of the bests is below THRESHOLD. Best-of-N because
# other work on the machine can only slow a server down, and it slows
# leadrouter (which keeps its core busy) more than nginx (which, at these
# rates, is held back by wrk, not by its core).
#
# Needs: a 2-core Linux machine, Go, and Debian's nginx-light (or nginx),
# wrk:  apt-get install -y nginx-light wrk
#
# Usage: bench/redirect.sh             (builds ./cmd/leadrouter)
#        LEADROUTER_BIN=/path/to/leadrouter bench/redirect.sh
# Knobs (environment): DURATION (5s), WARMUP (2s), CONNECTIONS (64),
#        ROUNDS (5), THRESHOLD (0.5), LEADROUTER_PORT (18080),
#        NGINX_PORT (18081), SERVER_CPU (0), CLIENT_CPU (1), KEEP_TMP (unset)
set -euo pipefail

DURATION=${DURATION:-5s}
WARMUP=${WARMUP:-2s}
CONNECTIONS=${CONNECTIONS:-64}
ROUNDS=${ROUNDS:-5}
THRESHOLD=${THRESHOLD:-0.5}
LEADROUTER_PORT=${LEADROUTER_PORT:-18080}
NGINX_PORT=${NGINX_PORT:-18081}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
# BERLIN01 is a partner seeded by --demo.
REQUEST_PATH='/pricing?utm_source=x&pid=BERLIN01&utm_medium=y'
EXPECTED_LOCATION='/pricing?utm_source=x&utm_medium=y'
# The real binary signs lr_ref with --secret (LEADROUTER_SECRET).
export LEADROUTER_SECRET=${LEADROUTER_SECRET:-redirect-benchmark-secret-not-for-production}

die() { echo "redirect.sh: $*" >&2; exit 2; }

load_at_start=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo 0)
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
for tool in nginx wrk taskset awk; do
	command -v "$tool" >/dev/null || die "$tool is missing (apt-get install -y nginx-light wrk)"
done
[ "$(nproc --all)" -ge 2 ] || die "needs 2 cores: servers on core $SERVER_CPU, wrk on core $CLIENT_CPU"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/leadrouter-bench.XXXXXX")
pids=()
cleanup() {
	local pid
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	if [ -n "${KEEP_TMP:-}" ]; then
		echo "kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port_free "$LEADROUTER_PORT" || die "port $LEADROUTER_PORT is in use (set LEADROUTER_PORT)"
port_free "$NGINX_PORT" || die "port $NGINX_PORT is in use (set NGINX_PORT)"

# head_of PORT PATH: the status line and headers of a GET to 127.0.0.1,
# without carriage returns (bash's /dev/tcp, so that curl is not needed).
head_of() {
	(
		exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
		printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n' "$2" "$1" >&3
		timeout 5 cat <&3 | tr -d '\r' | awk '$0 == "" { exit } { print }'
	) 2>/dev/null
}

# header_value NAME: the value of header NAME (any case) in the headers on
# stdin.
header_value() {
	awk -v name="$1" 'BEGIN { name = tolower(name) }
		index($0, ":") && tolower(substr($0, 1, index($0, ":") - 1)) == name {
			value = substr($0, index($0, ":") + 1)
			sub(/^[ \t]+/, "", value)
			print value
		}'
}

# wait_http PORT SECONDS LOGFILE: wait until the server on PORT answers.
wait_http() {
	local deadline=$((SECONDS + $2))
	until [[ $(head_of "$1" /) == HTTP/* ]]; do
		if [ "$SECONDS" -ge "$deadline" ]; then
			echo "--- $3" >&2
			tail -n 30 "$3" >&2 || true
			die "nothing answered on port $1 within $2 s"
		fi
		sleep 0.2
	done
}

# --- leadrouter ---------------------------------------------------------
bin=${LEADROUTER_BIN:-}
if [ -z "$bin" ]; then
	command -v go >/dev/null || die "go is missing (or set LEADROUTER_BIN)"
	echo "building ./cmd/leadrouter" >&2
	(cd "$repo" && go build -o "$tmp/leadrouter" ./cmd/leadrouter)
	bin=$tmp/leadrouter
fi
[ -x "$bin" ] || die "$bin is not an executable"

GOMAXPROCS=1 taskset -c "$SERVER_CPU" "$bin" serve --demo \
	--addr "127.0.0.1:$LEADROUTER_PORT" --db "sqlite:$tmp/bench.db" --front-server="${FRONT_SERVER:-true}" \
	>"$tmp/leadrouter.log" 2>&1 &
pids+=($!)
wait_http "$LEADROUTER_PORT" 60 "$tmp/leadrouter.log"

# Take the reference's headers from leadrouter's own answer, so that both
# servers send the same bytes.
response=$(head_of "$LEADROUTER_PORT" "$REQUEST_PATH")
status=$(awk 'NR == 1 { print $2 }' <<<"$response")
location=$(header_value location <<<"$response")
set_cookie=$(header_value set-cookie <<<"$response")
[ "$status" = 302 ] || die "leadrouter answered $status, not 302, to $REQUEST_PATH"
[ "$location" = "$EXPECTED_LOCATION" ] || die "leadrouter redirected $REQUEST_PATH to $location, not $EXPECTED_LOCATION"
[ -n "$set_cookie" ] || die "leadrouter set no cookie for $REQUEST_PATH: is BERLIN01 an active demo partner?"
case "$location$set_cookie" in
*'"'* | *'$'* | *'\'* | *'|'*) die "unexpected characters in the headers: $location / $set_cookie" ;;
esac

# --- nginx --------------------------------------------------------------
temp_paths=""
nginx_build=$(nginx -V 2>&1)
for module in client_body proxy fastcgi uwsgi scgi; do
	if [ "$module" = client_body ] || [[ $nginx_build != *"--without-http_${module}_module"* ]]; then
		mkdir -p "$tmp/nginx-$module"
		temp_paths+="    ${module}_temp_path $tmp/nginx-$module;"$'\n'
	fi
done
escape() { sed -e 's/[&|\\]/\\&/g' <<<"$1"; }
awk -v paths="$temp_paths" '{ if ($0 == "@TEMP_PATHS@") printf "%s", paths; else print }' \
	"$repo/bench/redirect-nginx.conf.tmpl" |
	sed -e "s|@TMP@|$(escape "$tmp")|g" \
		-e "s|@PORT@|$NGINX_PORT|g" \
		-e "s|@LOCATION@|$(escape "$location")|g" \
		-e "s|@SET_COOKIE@|$(escape "$set_cookie")|g" >"$tmp/nginx.conf"
taskset -c "$SERVER_CPU" nginx -p "$tmp" -e "$tmp/nginx-error.log" -c "$tmp/nginx.conf" \
	>"$tmp/nginx.log" 2>&1 &
pids+=($!)
wait_http "$NGINX_PORT" 20 "$tmp/nginx-error.log"
reference=$(head_of "$NGINX_PORT" "$REQUEST_PATH")
[ "$(header_value set-cookie <<<"$reference")" = "$set_cookie" ] || die "nginx does not send the expected Set-Cookie"
[ "$(header_value location <<<"$reference")" = "$location" ] || die "nginx does not send the expected Location"

# --- load ---------------------------------------------------------------
# run_wrk NAME PORT DURATION: prints requests/s and how busy wrk's core
# was (%): near 100 means the figure is bounded by the load generator.
run_wrk() {
	local out times TIMEFORMAT='%U %S %R'
	times=$({ time taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNECTIONS" -d"$3" \
		"http://127.0.0.1:$2$REQUEST_PATH" >"$tmp/wrk.out"; } 2>&1)
	out=$(<"$tmp/wrk.out")
	echo "$out" >>"$tmp/wrk-$1.log"
	if grep -q -e 'Socket errors' -e 'Non-2xx or 3xx' <<<"$out"; then
		echo "$out" >&2
		die "wrk saw errors against $1"
	fi
	awk -v times="$times" '/^Requests\/sec:/ {
		split(times, t, " ")
		printf "%s %.0f\n", $2, (t[3] > 0 ? 100 * (t[1] + t[2]) / t[3] : 0)
	}' <<<"$out"
}

echo "wrk -t1 -c$CONNECTIONS -d$DURATION on core $CLIENT_CPU; servers on core $SERVER_CPU; $ROUNDS rounds" >&2
declare -a nginx_rps=() leadrouter_rps=()
wrk_bound=0
for ((round = 1; round <= ROUNDS; round++)); do
	order=(nginx leadrouter)
	((round % 2 == 0)) && order=(leadrouter nginx)
	for name in "${order[@]}"; do
		port=$NGINX_PORT
		[ "$name" = leadrouter ] && port=$LEADROUTER_PORT
		run_wrk "$name-warmup" "$port" "$WARMUP" >/dev/null
		result=$(run_wrk "$name" "$port" "$DURATION")
		read -r rps busy <<<"$result"
		printf '  round %d  %-10s %10.0f req/s   (wrk core %3d%% busy)\n' "$round" "$name" "$rps" "$busy" >&2
		if [ "$name" = nginx ]; then
			nginx_rps+=("$rps")
			((busy >= 95)) && wrk_bound=$((wrk_bound + 1))
		else
			leadrouter_rps+=("$rps")
		fi
	done
done

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
best() { printf '%s\n' "$@" | sort -g | tail -n 1; }
nginx_best=$(best "${nginx_rps[@]}")
leadrouter_best=$(best "${leadrouter_rps[@]}")
ratio=$(awk -v a="$leadrouter_best" -v b="$nginx_best" 'BEGIN { printf "%.3f", a / b }')
median_ratio=$(awk -v a="$(median "${leadrouter_rps[@]}")" -v b="$(median "${nginx_rps[@]}")" 'BEGIN { printf "%.3f", a / b }')

printf '%-11s %10s %10s\n' "" best median
printf '%-11s %10.0f %10.0f req/s\n' nginx "$nginx_best" "$(median "${nginx_rps[@]}")"
printf '%-11s %10.0f %10.0f req/s\n' leadrouter "$leadrouter_best" "$(median "${leadrouter_rps[@]}")"
printf '%-11s %10s %10s   (bar: >= %s, on the bests)\n' ratio "$ratio" "$median_ratio" "$THRESHOLD"
if ((wrk_bound * 2 > ROUNDS)); then
	echo "note: wrk's core was saturated while loading nginx, so nginx's figure is a lower bound and the ratio flatters leadrouter" >&2
fi
if awk -v l="$load_at_start" 'BEGIN { exit !(l > 0.5) }'; then
	echo "note: the machine was busy before the run (load average $load_at_start); figures are noisy" >&2
fi
if awk -v r="$ratio" -v t="$THRESHOLD" 'BEGIN { exit !(r < t) }'; then
	echo "FAIL: leadrouter's redirect is below ${THRESHOLD}x nginx" >&2
	exit 1
fi
echo "PASS"
