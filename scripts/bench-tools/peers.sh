# The peers the gateway benchmarks measure (sourced after processes.sh; needs TMP, TOOLS, VENV,
# say and die): bridgekeeper itself, a private nginx with proxy_pass, and the LiteLLM proxy.

find_nginx() {
  NGINX=$(command -v nginx || true)
  [[ -z $NGINX && -x /usr/sbin/nginx ]] && NGINX=/usr/sbin/nginx
  return 0
}

# BENCH_SETUP=1: installs what is missing — nginx (nginx-light on Debian 12, the smallest build),
# the packages named as arguments, and, unless BENCH_LITELLM=0, LiteLLM into VENV.
peers_setup() {
  as_root() { if ((EUID == 0)); then "$@"; else sudo "$@"; fi; }
  find_nginx
  local packages=() tool
  if [[ -z $NGINX ]]; then
    if apt-cache show nginx-light >/dev/null 2>&1; then packages+=(nginx-light); else packages+=(nginx); fi
  fi
  for tool in "$@"; do command -v "$tool" >/dev/null || packages+=("$tool"); done
  if ((${#packages[@]})); then
    say "BENCH_SETUP=1: apt-get install ${packages[*]}"
    say "(where systemd runs, Debian starts the system nginx on port 80 after installing it; this benchmark does not use that one)"
    as_root apt-get update -qq >&2
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${packages[@]}" >&2
  fi
  if [[ ${BENCH_LITELLM:-1} != 0 && ! -x $VENV/bin/litellm ]]; then
    say "BENCH_SETUP=1: python3 -m venv $VENV && pip install 'litellm[proxy]' (a few minutes, about 750 MB)"
    python3 -m venv "$VENV" >&2
    "$VENV/bin/pip" install -q --disable-pip-version-check 'litellm[proxy]' >&2
  fi
}

# start_bridgekeeper NAME BIN GATEWAY_PORT CONTROL_PORT UPSTREAM_PORT: `BIN run` with one bridge
# (named upstream, OpenAI-style) at 127.0.0.1:UPSTREAM_PORT and one model, gpt-bench, routed to it,
# waited for until its bridge is live. Its config is $TMP/NAME.toml, its log $TMP/NAME.log; sets
# BK_PID. Another build measured side by side is started the same way under another NAME.
start_bridgekeeper() {
  local name=$1 bin=$2 gateway=$3 control=$4 upstream=$5
  cat >"$TMP/$name.toml" <<EOF
[supervisor]
control = "127.0.0.1:$control"
state_dir = "$TMP/$name-state"

[gateway]
listen = "127.0.0.1:$gateway"

[[bridges]]
name = "upstream"
url = "http://127.0.0.1:$upstream"
api = "openai"

[[models]]
id = "gpt-bench"
routes = ["upstream"]
price = { input_per_mtok = 1.0, output_per_mtok = 10.0 }
EOF
  mkdir -p "$TMP/$name-state"
  (cd "$TMP" && exec "$bin" run --config "$TMP/$name.toml") </dev/null >>"$TMP/$name.log" 2>&1 &
  BK_PID=$!
  PIDS+=("$BK_PID")
  python3 "$TOOLS/gateway_client.py" bk-live "$TMP/$name.toml" "$bin" upstream --timeout 30 \
    || { tail -30 "$TMP/$name.log" >&2; die "$name did not report its bridge live"; }
  say "$name (pid $BK_PID): gateway on 127.0.0.1:$gateway, its bridge live"
}

# start_baseline: with BENCH_BASELINE=PATH, an earlier bridgekeeper build as the peer "baseline"
# (BENCH_BASELINE_LABEL names it in the table); sets BASE_BIN, BASE_PORT and BASE_PID. Needs
# UPSTREAM_PORT.
start_baseline() {
  [[ -n ${BENCH_BASELINE:-} ]] || return 0
  BASE_BIN=$(realpath -m -- "$BENCH_BASELINE")
  [[ -x $BASE_BIN ]] || die "BENCH_BASELINE=$BASE_BIN is not an executable file"
  local ports
  ports=($(python3 "$TOOLS/client.py" freeports 2))
  BASE_PORT=${ports[0]}
  start_bridgekeeper baseline "$BASE_BIN" "${ports[0]}" "${ports[1]}" "$UPSTREAM_PORT"
  BASE_PID=$BK_PID
}

# start_nginx_proxy PORT UPSTREAM_PORT [DIRECTIVE…]: a second nginx passing everything to
# 127.0.0.1:UPSTREAM_PORT over pooled keep-alive connections (the most a proxy in C does with the
# same two HTTP/1.1 legs on these CPUs), with extra location directives (e.g. "proxy_buffering
# off;"). Sets PROXY_PID; its config is $TMP/nginx-proxy/nginx.conf.
start_nginx_proxy() {
  local port=$1 upstream=$2 extra
  shift 2
  extra=$(printf '      %s\n' "$@")
  mkdir -p "$TMP/nginx-proxy"
  cat >"$TMP/nginx-proxy/nginx.conf" <<CONF
daemon off;
worker_processes ${BENCH_NGINX_WORKERS:-1};
worker_rlimit_nofile 65536;
pid $TMP/nginx-proxy/nginx.pid;
error_log $TMP/nginx-proxy.log warn;
events { worker_connections 16384; }
http {
  access_log off;
  client_body_temp_path $TMP/nginx-proxy/body;
  proxy_temp_path $TMP/nginx-proxy/proxy;
  fastcgi_temp_path $TMP/nginx-proxy/fastcgi;
  uwsgi_temp_path $TMP/nginx-proxy/uwsgi;
  scgi_temp_path $TMP/nginx-proxy/scgi;
  keepalive_requests 1000000;
  keepalive_timeout 300s;
  upstream bridge { server 127.0.0.1:$upstream; keepalive 64; keepalive_requests 1000000; }
  server {
    listen 127.0.0.1:$port backlog=8192;
    location / {
      proxy_pass http://bridge;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
$extra
    }
  }
}
CONF
  "$NGINX" -p "$TMP/nginx-proxy" -c "$TMP/nginx-proxy/nginx.conf" -e "$TMP/nginx-proxy.log" </dev/null >>"$TMP/nginx-proxy.log" 2>&1 &
  PROXY_PID=$!
  PIDS+=("$PROXY_PID")
  SERVERS+="$PROXY_PID "
  python3 "$TOOLS/gateway_client.py" wait-get "$port" /v1/models --timeout 10 --pid "$PROXY_PID" \
    || { cat "$TMP/nginx-proxy.log" >&2; die "the nginx proxy did not start"; }
  say "nginx proxy_pass (pid $PROXY_PID) on 127.0.0.1:$port"
}

# start_litellm PORT UPSTREAM_PORT WORKERS: the LiteLLM proxy with one deployment, gpt-bench on
# the upstream (`openai/` provider: the OpenAI client with api_base), a master key (LiteLLM
# refuses to start without one; gateway_client.py api-key), no database (so no spend logs, no key
# lookups), no callbacks, message logging off, the bundled model cost map (no fetch at start),
# logs at ERROR. Sets LITELLM_PID and LITELLM_VERSION; waits until it is live.
start_litellm() {
  local port=$1 upstream=$2 workers=$3
  LITELLM_VERSION=$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("litellm"))' 2>/dev/null || echo '?')
  cat >"$TMP/litellm.yaml" <<CONF
model_list:
  - model_name: gpt-bench
    litellm_params:
      model: openai/gpt-bench
      api_base: http://127.0.0.1:$upstream/v1
      api_key: sk-bench-upstream-not-a-key
litellm_settings:
  drop_params: true
  turn_off_message_logging: true
  request_timeout: 300
general_settings:
  master_key: $(python3 "$TOOLS/gateway_client.py" api-key)
  disable_spend_logs: true
  disable_error_logs: true
CONF
  (cd "$TMP" && ulimit -n "$(ulimit -Hn)" && exec env -u DATABASE_URL -u http_proxy -u https_proxy -u HTTP_PROXY -u HTTPS_PROXY \
      LITELLM_LOCAL_MODEL_COST_MAP=True LITELLM_LOG=ERROR LITELLM_MODE=PRODUCTION \
      "$VENV/bin/litellm" --config "$TMP/litellm.yaml" --host 127.0.0.1 --port "$port" \
      --num_workers "$workers") </dev/null >>"$TMP/litellm.log" 2>&1 &
  LITELLM_PID=$!
  PIDS+=("$LITELLM_PID")
  SERVERS+="$LITELLM_PID "
  say "starting LiteLLM $LITELLM_VERSION (pid $LITELLM_PID, --num_workers $workers) on 127.0.0.1:$port…"
  python3 "$TOOLS/gateway_client.py" wait-get "$port" /health/liveliness --timeout 180 --pid "$LITELLM_PID" \
    || { tail -40 "$TMP/litellm.log" >&2; die "LiteLLM did not start"; }
}
