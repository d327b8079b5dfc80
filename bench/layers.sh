#!/usr/bin/env bash
# Where the time goes, per layer: profiles one of a generated package's benchmarks and prints
# the CPU time of each step's kernel (forward and backward), as a share of all kernels' time.
# Kernels run on all workers, so this is CPU time, not wall time.
#
# usage: bench/layers.sh PACKAGE BENCHMARK [RUNS]    e.g. bench/layers.sh alexnet Forward32 10
set -euo pipefail
cd "$(dirname "$0")/.."
pkg=${1:?usage: bench/layers.sh PACKAGE BENCHMARK [RUNS]}
bench=${2:?usage: bench/layers.sh PACKAGE BENCHMARK [RUNS]}
runs=${3:-5}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
go test -c -o "$out/pkg.test" "./generated/$pkg/"
(cd "generated/$pkg" && "$out/pkg.test" -test.run XXX -test.bench "^Benchmark$bench\$" \
	-test.benchtime "${runs}x" -test.cpuprofile "$out/cpu.out" | grep '^Benchmark')
# The kernels are methods of Model named after the layers; Forward, Backward, TrainStep and Step
# only call them (Step's work is the sgd kernel).
go tool pprof -top -cum -nodecount 1000 "$out/pkg.test" "$out/cpu.out" 2>/dev/null |
	awk -v p="generated/$pkg.(*Model)." '
	index($NF, p) > 0 {
		name = substr($NF, index($NF, p) + length(p))
		# Skip what only calls kernels, and the set-up outside the timed loop.
		if (name ~ /^(Forward|Backward|TrainStep|Step|perImage|multiply|initParams|reserve)$/ || name ~ /-fm$/) next
		# The helpers of a conv step (conv2Image, conv2Rows, conv2Upd, conv2GradImage, conv3WinoMul, …) run inside it.
		if (name ~ /(Image|Rows|Upd|Pack|Relay|WinoIn|WinoMul|WinoOut)$/) next
		t = $4; sub(/s$/, "", t); if ($4 ~ /ms$/) { t = $4; sub(/ms$/, "", t); t /= 1000 }
		sec[name] = t; total += t
	}
	END {
		printf "%-24s %14s %7s\n", "kernel", "CPU ms per op", "share"
		for (n in sec) printf "%-24s %14.1f %6.1f%%\n", n, 1000 * sec[n] / '"$runs"', 100 * sec[n] / total | "sort -k3 -nr"
	}'
