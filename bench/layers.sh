#!/usr/bin/env bash
# Where the time goes, per layer: profiles one of a generated package's benchmarks PROFILES times
# (default 3) and prints the CPU time of each step's kernel (forward and backward), as a share of
# all kernels' time (medians over the profiles); then, for each convolution, the rate of its
# forward pass, input gradient and weight gradient in GFLOP/s per core (a layer run by Winograd
# counted at the direct convolution's multiply-adds) and as a share of one core's FP32 FMA peak,
# measured here by ../shared/peers/peak/fma_peak.c — the best of the profiles, and the range. On a
# shared machine one profile's rates move by ±15 %; the best of several is what the code can do.
# Kernels run on all workers, so this is CPU time, not wall time; at batch 1 (Forward1) a
# convolution's rows run on the pool's goroutines outside its step, so use a batch of 2 or more
# for the rates.
#
# usage: bench/layers.sh PACKAGE BENCHMARK [RUNS [PROFILES]]    e.g. bench/layers.sh alexnet TrainStep32 20
set -euo pipefail
cd "$(dirname "$0")/.."
usage="usage: bench/layers.sh PACKAGE BENCHMARK [RUNS [PROFILES]]"
pkg=${1:?$usage}
bench=${2:?$usage}
runs=${3:-20}
profiles=${4:-3}
# The profile covers runs+3 calls of the benchmarked method, not runs: go test calls the benchmark
# with b.N = 1 before b.N = runs, and internal/modeltest's benchmarks make one untimed call each
# time before the timed ones.
calls=$((runs + 3))
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
go test -c -o "$out/pkg.test" "./generated/$pkg/"
# The kernels are methods of Model named after the layers; Forward, Backward, TrainStep and Step
# only call them (Step's work is the sgd kernel), and so do the chains, which Forward runs image by
# image (compiler/chain.go).
for k in $(seq "$profiles"); do
	(cd "generated/$pkg" && "$out/pkg.test" -test.run XXX -test.bench "^Benchmark$bench\$" \
		-test.benchtime "${runs}x" -test.cpuprofile "$out/cpu$k.out" | grep '^Benchmark')
	go tool pprof -top -cum -nodecount 1000 "$out/pkg.test" "$out/cpu$k.out" 2>/dev/null >"$out/top$k.txt"
done
chains=$(sed -n 's/.*runtime\.Parallel(m\.n, m\.kernels\.\([A-Za-z0-9_]*\)).*image by image.*/\1/p' \
	"generated/$pkg/model.go" | paste -sd'|' -)

# The convolutions' rates: their multiply-adds from netc check, their CPU time from the profiles.
spec=$(sed -n 's/^const spec = "\(.*\)"$/\1/p' "generated/$pkg/${pkg}_test.go")
go run ./cmd/netc check -v -json "generated/$pkg/$spec" >"$out/check.json"
gcc -O2 -mavx512f -mfma -pthread ../shared/peers/peak/fma_peak.c -o "$out/fma_peak"
peak=$("$out/fma_peak" 3 | awk '$1 == "avx512" && $2 == "threads=1" { print $4 }')
echo
python3 - "$out/check.json" "$pkg" "$bench" "$calls" "$peak" "$chains" "$out"/top*.txt <<'PY'
import json, re, statistics, sys
check, pkg, bench, calls, peak, chains, *tops = sys.argv[1:]
calls, peak = int(calls), float(peak)
images = int(re.search(r"(\d+)$", bench).group(1)) * calls
prefix = "generated/%s.(*Model)." % pkg
# cpu[k][method]: the CPU seconds of a method in profile k (cumulative: its callees included).
cpu = []
for top in tops:
    c = {}
    for line in open(top):
        f = line.split()
        if f[-1:] == ["(inline)"]:
            f = f[:-1]  # a method the compiler inlined into its caller: pprof still names it
        if len(f) >= 6 and prefix in f[-1]:
            t = f[3]
            c[f[-1].split(prefix)[1]] = float(t[:-2]) / 1000 if t.endswith("ms") else float(t[:-1])
    cpu.append(c)

# The steps' kernels: skip what only calls kernels (and the set-up outside the timed loop), and
# the helpers of a conv step (conv2Image, conv2Rows, conv2Upd, conv3WinoMul, …), which run inside it.
skip = re.compile(r"^(Forward|Backward|TrainStep|Step|perImage|multiply|initParams|reserve%s)$|-fm$|(Image|Rows|Upd|Pack|Relay|WinoIn|WinoMul|WinoOut|WinoDW|Chunks)$"
                  % ("|" + chains if chains else ""))
names = {n for c in cpu for n in c if not skip.search(n)}
med = {n: statistics.median(c.get(n, 0) for c in cpu) for n in names}
total = sum(med.values())
print("%-24s %14s %7s   (medians of %d profiles)" % ("kernel", "CPU ms per op", "share", len(cpu)))
for n in sorted(names, key=lambda n: -med[n]):
    print("%-24s %14.1f %6.1f%%" % (n, 1000 * med[n] / calls, 100 * med[n] / total))
print()

d = json.load(open(check))
macs = {l["name"]: l["macs"] for l in d["layers"]}
def go(name):  # the step's method name, as codegen spells it
    parts = re.split(r"[^A-Za-z0-9]+", name)
    return parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])
print("per conv layer: GFLOP/s per core (direct-convolution multiply-adds ×2 over CPU time) and %% of one core's FMA peak (%.0f GFLOP/s, AVX-512): the best of %d profiles [their range]" % (peak, len(cpu)))
print("%-8s %-20s %26s %26s %26s" % ("layer", "algorithm", "forward", "input gradient", "weight gradient"))
for s in d["plan"]["steps"]:
    layer = s["layers"][0]
    if not s.get("forward", "").startswith(("direct conv", "winograd")):
        continue
    n, flops = go(layer), 2 * macs[layer] * images
    def rate(method):
        ts = [c[method] for c in cpu if c.get(method)]
        if not ts:
            return "–"
        pct = sorted(100 * flops / t / 1e9 / peak for t in ts)
        return "%4.0f (%3.0f %%) [%3.0f–%3.0f]" % (flops / min(ts) / 1e9, pct[-1], pct[0], pct[-1])
    f = re.search(r"F\(\S+?\)", s["forward"])
    algo = "winograd " + f.group(0) if f else "direct"
    print("%-8s %-20s %26s %26s %26s" % (layer, algo, rate(n), rate(n + "GradImage"), rate(n + "Upd")))
PY
