#!/usr/bin/env bash
# Compares netc's generated AlexNets with the peers of ../shared/peers — ONNX Runtime and
# PyTorch, with PyTorch's two traps on this machine set right (see that README) — on this
# machine, one job at a time, and prints images/s per job (medians).
#
# usage: bench/compare.sh [infer|train|all] [COUNT]
#   infer  alexnet.net and alexnet_half.net forward at batch 1 and 32 (the default)
#   train  a training step at batch 32 and 128
#   COUNT  benchmark repetitions for netc (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-infer}
count=${2:-5}
peers=$(cd ../shared/peers && pwd)
work=${PEERS_WORK:-/tmp/netc-peers}
[ -f "$work/ort/models/A_b32.onnx" ] || bash "$peers/setup.sh"
tuned=(env OPENBLAS_CORETYPE=SkylakeX MALLOC_MMAP_THRESHOLD_=4294967296
	MALLOC_TRIM_THRESHOLD_=68719476736 MALLOC_TOP_PAD_=1073741824)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "machine: $(nproc) cores,$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2), $(go version | cut -d' ' -f3)"

# netc PACKAGE BENCH-REGEXP: go test benchmarks, the median of COUNT runs each.
netc() {
	go test -run XXX -bench "$2" -count "$count" "./generated/$1/" >"$out/netc.txt"
	for b in $(awk '/^Benchmark/ { print $1 }' "$out/netc.txt" | sort -u); do
		vals=$(awk -v b="$b" '$1 == b { for (i = 1; i < NF; i++) if ($(i+1) == "img/s") print $i }' "$out/netc.txt" | sort -g)
		n=$(echo "$vals" | wc -l)
		printf "netc   %-14s %-24s %8s img/s (median of %d: %s)\n" "$1" "$b" \
			"$(echo "$vals" | sed -n "$(((n + 1) / 2))p")" "$n" "$(echo $vals)"
	done
}

if [ "$what" = infer ] || [ "$what" = all ]; then
	netc alexnet 'Forward(1|32)$'
	netc alexnet_half 'Forward(1|32)$'
	(cd "$work/ort" && for m in A_b1 A_b32 A_lrnop_b32 B_b1 B_b32; do
		node bench.js "models/$m.onnx" 20 3 2 | sed 's/^/ort    /'
	done)
	(cd "$work" && for v in cl cl_jit; do
		"${tuned[@]}" /usr/bin/python3 bench_torch.py A 32 infer "$v" 10 2 | sed 's/^/torch  A /'
		"${tuned[@]}" /usr/bin/python3 bench_torch.py B 32 infer "$v" 10 2 | sed 's/^/torch  B /'
	done)
fi
if [ "$what" = train ] || [ "$what" = all ]; then
	netc alexnet 'TrainStep(32|128)$'
	netc alexnet_half 'TrainStep(32|128)$'
	(cd "$work" && for v in plain cl; do
		"${tuned[@]}" /usr/bin/python3 bench_torch.py A 128 train "$v" 5 1 | sed 's/^/torch  A /'
		"${tuned[@]}" /usr/bin/python3 bench_torch.py B 128 train "$v" 5 1 | sed 's/^/torch  B /'
	done)
fi
case $what in infer | train | all) ;; *)
	echo "usage: bench/compare.sh [infer|train|all] [COUNT]" >&2
	exit 2
	;;
esac
