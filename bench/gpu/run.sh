#!/usr/bin/env bash
# The service's GPU path, measured (issue 20): builds the service (Release), serves the fp32 graph on ONNX Runtime's CUDA
# provider, loads it over HTTP (max batch 32 at concurrency 1/8/32, and max batch 1 at concurrency 32), then runs the
# raw ONNX Runtime loop at batch sizes 1-32, and writes bench/results/gpu-run-<date>.md. About 4 minutes.
# Without a GPU it says so and exits non-zero (3: no GPU, 4: CUDA provider unusable, 5: missing tool or photos);
# it does not fall back to the CPU: the CPU numbers come from `cropvision-bench all` (docs/performance.md).
# See bench/gpu/README.md for the settings (environment variables below) and what the GPU machine needs.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
version=${MODEL_VERSION:-2}              # coffee/2: the fp32 four-view graph (coffee/3 is the int8 QDQ graph made for the CPU)
batches=${BATCHES:-1,2,4,8,16,32}
raw_seconds=${RAW_SECONDS:-5}
http_seconds=${HTTP_SECONDS:-15}
concurrencies=${CONCURRENCIES:-1 8 32}
port=${PORT:-5081}
work=$repo/.cache/gpu-bench
out=$repo/bench/results/gpu-run-$(date -u +%F).md
device=cuda
pid=
# CPU_DRY_RUN=1: the whole script on the CPU with short loads, to check it end to end on a machine without a GPU;
# its table goes to .cache/gpu-bench/dry-run.md, never to bench/results.
if [ "${CPU_DRY_RUN:-0}" = 1 ]; then
  device=cpu out=$work/dry-run.md GPU_BENCH_SKIP_SMI=1 batches=${BATCHES:-1,2} raw_seconds=${RAW_SECONDS:-1} http_seconds=${HTTP_SECONDS:-2}
fi

fail() { echo "bench/gpu/run.sh: $1" >&2; exit "$2"; }
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; true' EXIT

# 1. A GPU. GPU_BENCH_SKIP_SMI=1 skips this check, to try the CUDA probe below on a machine without one.
if [ "${GPU_BENCH_SKIP_SMI:-0}" != 1 ]; then
  command -v nvidia-smi >/dev/null || fail "no GPU here (nvidia-smi not found): nothing was measured. Run it on a machine with an NVIDIA GPU, its driver, CUDA 13 and cuDNN 9 (bench/gpu/README.md)." 3
  gpu=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -n 1 || true)
  [ -n "$gpu" ] || fail "no GPU here (nvidia-smi lists no device): nothing was measured." 3
else
  gpu="(GPU_BENCH_SKIP_SMI=1: not checked)"
fi
for tool in dotnet curl; do command -v "$tool" >/dev/null || fail "$tool not found: the script needs the .NET 10 SDK and curl." 5; done
[ -d "${CROPVISION_DATASETS:-$repo/../shared/datasets}/bracol-leaf" ] || fail "BRACOL photos not found (../shared/datasets/bracol-leaf or CROPVISION_DATASETS): the loads use real photos." 5

# 2. The service and the bench, Release builds. The service runs from its build folder (as the bench's own service
# runs do), which holds ONNX Runtime's GPU natives: `dotnet publish` of the API currently fails (NETSDK1152, duplicate
# wwwroot files; see bench/gpu/README.md).
mkdir -p "$work"
echo "== building the service and the bench (Release)"
dotnet build src/CropVision.Api -c Release --nologo -v q -clp:ErrorsOnly
dotnet build bench/CropVision.Bench -c Release --nologo -v q -clp:ErrorsOnly
service_dir=$repo/src/CropVision.Api/bin/Release/net10.0
bench() { dotnet "$repo/bench/CropVision.Bench/bin/Release/net10.0/cropvision-bench.dll" --model "$repo/models/coffee/$version" "$@"; }

# 3. The service on CUDA. Inference:Device=cuda refuses to start without it, naming why (CudaProbe): that is the probe.
start_service() { # $1: Inference:MaxBatchSize
  local data; data=$(mktemp -d)
  (cd "$service_dir" && Models__Folder="$repo/models" Models__Pinned__coffee="$version" Models__WatchForChanges=false \
    Inference__Device=$device Inference__MaxBatchSize="$1" Store__DataFolder="$data" \
    exec dotnet CropVision.Api.dll --urls "http://127.0.0.1:$port") >"$work/service-max$1.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 180); do
    curl -sf "http://127.0.0.1:$port/v2/health/ready" -o "$work/ready.json" && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      grep -m 3 -i -E "cuda|fail|exception" "$work/service-max$1.log" >&2 || tail -n 20 "$work/service-max$1.log" >&2
      pid=; fail "the CUDA provider cannot be used here: the service refused Inference:Device=cuda (its reason above; log $work/service-max$1.log). Nothing was measured." 4
    fi
    sleep 1
  done
  fail "the service was not ready within 180 s (log $work/service-max$1.log)" 1
}
stop_service() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=; }
batch_stats() { curl -sf "http://127.0.0.1:$port/metrics" | awk '/^cropvision_batch_size_(sum|count)\{crop="coffee"\}/ { printf "%s ", $2 }'; }

http_rows=
http_load() { # $1 max batch, $2 concurrency
  local before after line
  before=$(batch_stats)
  line=$(bench http --url "http://127.0.0.1:$port" --concurrency "$2" --duration "$http_seconds" | tee -a "$work/http.log" | grep "answers/s")
  after=$(batch_stats)
  http_rows+=$(echo "$line" | sed -E "s/.*: ([0-9.]+) answers\/s, p50 ([0-9.]+) ms.*p99 ([0-9.]+) ms.*statuses ([^,]*),.*/| $1 | $2 | \1 | \2 | \3 | MEAN | \4 |/" \
    | sed "s/MEAN/$(echo "$before $after" | awk '{ n = $4 - $2; printf (n > 0 ? "%.1f" : "n/a"), ($3 - $1) / (n > 0 ? n : 1) }')/")$'\n'
}

: >"$work/http.log"
start_service 32
provider=$(sed -E 's/.*"execution_provider":"([^"]*)".*/\1/' "$work/ready.json")
[ "$provider" = CUDA ] || [ "$device" = cpu ] || fail "the service serves on '$provider', not CUDA: $(cat "$work/ready.json")" 4
echo "== service on $provider ($gpu), coffee/$version; warm-up"
bench http --url "http://127.0.0.1:$port" --concurrency 8 --duration 5 >/dev/null
for c in $concurrencies; do echo "== HTTP, max batch 32, concurrency $c"; http_load 32 "$c"; done
stop_service
start_service 1
bench http --url "http://127.0.0.1:$port" --concurrency 8 --duration 5 >/dev/null
echo "== HTTP, max batch 1, concurrency 32 (no batching)"; http_load 1 32
stop_service

echo "== raw ONNX Runtime, batches $batches"
bench --device "$([ "$device" = cpu ] && echo cpu || echo auto)" raw --batches "$batches" --seconds "$raw_seconds" | tee "$work/raw.log"
grep -q "raw batch.*CUDA)" "$work/raw.log" || [ "$device" = cpu ] || fail "the raw loop did not run on CUDA (see $work/raw.log)" 4
raw_rows=$(sed -nE 's/ *raw batch +([0-9]+): +([0-9.]+) ms\/batch \(p90 ([0-9.]+)\) +([0-9.]+) images\/s +\(([0-9]+) runs, (.*)\)/| \1 | \2 | \3 | \4 | \5 |/p' "$work/raw.log")
gain() { awk -v a="$1" -v b="$2" 'BEGIN { printf (b > 0 ? "%.1fx" : "n/a"), a / (b > 0 ? b : 1) }'; }
field() { echo "$1" | awk -F' *[|] *' -v k="$2" -v m="$3" -v c="${4:-}" '($2 == k || k == "last") && (c == "" || $3 == c) { v = $(m) } END { print v }'; }
raw_gain=$(gain "$(field "$raw_rows" last 5)" "$(field "$raw_rows" 1 5)")
http_gain=$(gain "$(field "$http_rows" 32 4 32)" "$(field "$http_rows" 1 4 32)")

cat >"$out" <<EOF
# GPU run, $(date -u +%F) (bench/gpu/run.sh)

GPU: $gpu. Execution provider (from /v2/health/ready): **$provider**. Model: coffee/$version (fp32, four views; the int8
graph is for the CPU). Commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown). Photos: BRACOL leaves re-encoded to ~100 KB JPEGs.

## Raw ONNX Runtime (no HTTP, no decoding; median and p90 per model call)

| batch | ms/batch p50 | ms/batch p90 | photos/s | runs |
| --- | --- | --- | --- | --- |
$raw_rows

Batching gain, raw: largest batch against batch 1 = **$raw_gain** photos/s.

## The service over HTTP (closed loop, ${http_seconds} s each)

| max batch | concurrency | photos/s | p50 ms | p99 ms | mean batch | statuses |
| --- | --- | --- | --- | --- | --- | --- |
$http_rows
Batching gain, HTTP: concurrency 32 with batches of up to 32 against the same load with batches of 1 = **$http_gain** photos/s.
Mean batch: from the service's \`cropvision_batch_size\` histogram, before and after each load.

Logs: \`.cache/gpu-bench/\` (service-max32.log, service-max1.log, http.log, raw.log).
EOF
echo "== written: $out"
cat "$out"
