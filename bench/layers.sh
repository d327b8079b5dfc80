#!/usr/bin/env bash
# Where the time goes, per layer: profiles one of a generated package's benchmarks and prints
# the CPU time of each step's kernel (forward and backward), as a share of all kernels' time;
# then, for each convolution, the rate of its forward pass, input gradient and weight gradient
# in GFLOP/s per core (a layer run by Winograd counted at the direct convolution's
# multiply-adds) and as a share of one core's FP32 FMA peak, measured here by
# ../shared/peers/peak/fma_peak.c. Kernels run on all workers, so this is CPU time, not wall
# time; at batch 1 (Forward1) a convolution's rows run on the pool's goroutines outside its step,
# so use a batch of 2 or more for the rates.
#
# usage: bench/layers.sh PACKAGE BENCHMARK [RUNS]    e.g. bench/layers.sh alexnet TrainStep32 20
set -euo pipefail
cd "$(dirname "$0")/.."
pkg=${1:?usage: bench/layers.sh PACKAGE BENCHMARK [RUNS]}
bench=${2:?usage: bench/layers.sh PACKAGE BENCHMARK [RUNS]}
runs=${3:-20}
# The profile covers runs+3 calls of the benchmarked method, not runs: go test calls the benchmark
# with b.N = 1 before b.N = runs, and internal/modeltest's benchmarks make one untimed call each
# time before the timed ones.
calls=$((runs + 3))
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
go test -c -o "$out/pkg.test" "./generated/$pkg/"
(cd "generated/$pkg" && "$out/pkg.test" -test.run XXX -test.bench "^Benchmark$bench\$" \
	-test.benchtime "${runs}x" -test.cpuprofile "$out/cpu.out" | grep '^Benchmark')
# The kernels are methods of Model named after the layers; Forward, Backward, TrainStep and Step
# only call them (Step's work is the sgd kernel).
go tool pprof -top -cum -nodecount 1000 "$out/pkg.test" "$out/cpu.out" 2>/dev/null >"$out/top.txt"
# So do the chains, which Forward runs image by image (compiler/chain.go).
chains=$(sed -n 's/.*runtime\.Parallel(m\.n, m\.kernels\.\([A-Za-z0-9_]*\)).*image by image.*/\1/p' \
	"generated/$pkg/model.go" | paste -sd'|' -)
awk -v p="generated/$pkg.(*Model)." -v chains="^(${chains:-})$" '
	index($NF, p) > 0 {
		name = substr($NF, index($NF, p) + length(p))
		# Skip what only calls kernels, and the set-up outside the timed loop.
		if (name ~ /^(Forward|Backward|TrainStep|Step|perImage|multiply|initParams|reserve)$/ || name ~ /-fm$/ || name ~ chains) next
		# The helpers of a conv step (conv2Image, conv2Rows, conv2Upd, conv2GradImage, conv3WinoMul, …) run inside it.
		if (name ~ /(Image|Rows|Upd|Pack|Relay|WinoIn|WinoMul|WinoOut|WinoDW|Chunks)$/) next
		t = $4; sub(/s$/, "", t); if ($4 ~ /ms$/) { t = $4; sub(/ms$/, "", t); t /= 1000 }
		sec[name] = t; total += t
	}
	END {
		printf "%-24s %14s %7s\n", "kernel", "CPU ms per op", "share"
		for (n in sec) printf "%-24s %14.1f %6.1f%%\n", n, 1000 * sec[n] / '"$calls"', 100 * sec[n] / total | "sort -k3 -nr"
	}' "$out/top.txt"

# The convolutions' rates: their multiply-adds from netc check, their CPU time from the profile.
spec=$(sed -n 's/^const spec = "\(.*\)"$/\1/p' "generated/$pkg/${pkg}_test.go")
go run ./cmd/netc check -v -json "generated/$pkg/$spec" >"$out/check.json"
gcc -O2 -mavx512f -mfma -pthread ../shared/peers/peak/fma_peak.c -o "$out/fma_peak"
peak=$("$out/fma_peak" 3 | awk '$1 == "avx512" && $2 == "threads=1" { print $4 }')
echo
python3 - "$out/check.json" "$out/top.txt" "$pkg" "$bench" "$calls" "$peak" <<'PY'
import json, re, sys
check, top, pkg, bench, calls, peak = sys.argv[1:]
images = int(re.search(r"(\d+)$", bench).group(1)) * int(calls)
peak = float(peak)
cpu = {}
prefix = "generated/%s.(*Model)." % pkg
for line in open(top):
    f = line.split()
    if len(f) >= 6 and prefix in f[-1]:
        t = f[3]
        cpu[f[-1].split(prefix)[1]] = float(t[:-2]) / 1000 if t.endswith("ms") else float(t[:-1])
d = json.load(open(check))
macs = {l["name"]: l["macs"] for l in d["layers"]}
def go(name):  # the step's method name, as codegen spells it
    parts = re.split(r"[^A-Za-z0-9]+", name)
    return parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])
print("per conv layer: GFLOP/s per core (direct-convolution multiply-adds ×2 over CPU time), %% of one core's FMA peak (%.0f GFLOP/s, AVX-512)" % peak)
print("%-8s %-20s %18s %18s %18s" % ("layer", "algorithm", "forward", "input gradient", "weight gradient"))
for s in d["plan"]["steps"]:
    layer = s["layers"][0]
    if not s.get("forward", "").startswith(("direct conv", "winograd")):
        continue
    n, flops = go(layer), 2 * macs[layer] * images
    def rate(method):
        t = cpu.get(method)
        return "–" if not t else "%6.0f (%3.0f %%)" % (flops / t / 1e9, 100 * flops / t / 1e9 / peak)
    f = re.search(r"F\(\S+?\)", s["forward"])
    algo = "winograd " + f.group(0) if f else "direct"
    print("%-8s %-20s %18s %18s %18s" % (layer, algo, rate(n), rate(n + "GradImage"), rate(n + "Upd")))
PY
