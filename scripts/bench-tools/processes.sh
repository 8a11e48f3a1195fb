# Process handling shared by the benchmark scripts (sourced): every process a benchmark starts is
# in PIDS (start order); those that supervise workers of their own (nginx's master, uvicorn's) are
# also in SERVERS. This container's init does not reap orphans, so every process is stopped while
# its parent can still reap it.
PIDS=()
SERVERS=" "

descendants() {  # live descendants of $1, from /proc
  local root=$1 file line rest state ppid pid
  local -A kids=()
  for file in /proc/[0-9]*/stat; do
    { read -r line <"$file"; } 2>/dev/null || continue
    pid=${line%% *}
    rest=${line##*) }
    read -r state ppid _ <<<"$rest"
    [[ $state == Z ]] && continue
    kids[$ppid]+="$pid "
  done
  local queue=($root) out=()
  while ((${#queue[@]})); do
    pid=${queue[0]}
    queue=("${queue[@]:1}")
    for child in ${kids[$pid]:-}; do
      out+=("$child")
      queue+=("$child")
    done
  done
  echo "${out[@]:-}"
}

alive() { [[ -e /proc/$1 ]] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }

# TERM (then KILL after 5 s) every descendant of $1, deepest first, waiting for each to vanish
# (reaped by its parent), then $1 itself, which the caller reaps.
stop_tree() {
  local root=$1 kids pid deadline i
  kids=($(descendants "$root"))
  for ((i = ${#kids[@]} - 1; i >= 0; i--)); do kill -TERM "${kids[i]}" 2>/dev/null; done
  deadline=$((SECONDS + 5))
  for pid in "${kids[@]}"; do
    while [[ -e /proc/$pid ]] && ((SECONDS < deadline)); do sleep 0.05; done
    alive "$pid" && kill -KILL "$pid" 2>/dev/null
  done
  kill -TERM "$root" 2>/dev/null
  deadline=$((SECONDS + 5))
  while alive "$root" && ((SECONDS < deadline)); do sleep 0.05; done
  alive "$root" && kill -KILL "$root" 2>/dev/null
  wait "$root" 2>/dev/null
}

# A server that supervises its own workers would restart a worker killed first: TERM the root and
# let it stop its workers (10 s), then stop whatever is left.
stop_server() {
  local root=$1 kids pid deadline
  kids=($(descendants "$root"))
  kill -TERM "$root" 2>/dev/null
  deadline=$((SECONDS + 10))
  while alive "$root" && ((SECONDS < deadline)); do sleep 0.05; done
  for pid in "${kids[@]}"; do alive "$pid" && kill -TERM "$pid" 2>/dev/null; done
  deadline=$((SECONDS + 5))
  for pid in "${kids[@]}"; do
    while alive "$pid" && ((SECONDS < deadline)); do sleep 0.05; done
    alive "$pid" && kill -KILL "$pid" 2>/dev/null
  done
  stop_tree "$root"
}

stop_any() { if [[ $SERVERS == *" $1 "* ]]; then stop_server "$1"; else stop_tree "$1"; fi; }

# Stops every process started, newest first.
stop_all() {
  local i
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    [[ -n ${PIDS[i]} ]] && stop_any "${PIDS[i]}"
  done
  PIDS=()
}

# Stops one of our processes (and its descendants) now and forgets it.
stop_one() {
  local kept=() pid
  stop_any "$1"
  for pid in "${PIDS[@]}"; do [[ $pid == "$1" ]] || kept+=("$pid"); done
  PIDS=("${kept[@]}")
}

# Runs a long foreground step in the background and waits, so Ctrl-C and TERM act at once.
run() {
  "$@" &
  local pid=$!
  PIDS+=("$pid")
  wait "$pid"
  local status=$? kept=() p
  for p in "${PIDS[@]}"; do [[ $p == "$pid" ]] || kept+=("$p"); done
  PIDS=("${kept[@]}")
  return $status
}
