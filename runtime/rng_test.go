package runtime

import (
	"math"
	"math/bits"
	"slices"
	"testing"
)

// TestRNGReferenceVectors checks the two building blocks against the outputs of the
// authors' C reference code (splitmix64.c, xoshiro256starstar.c).
func TestRNGReferenceVectors(t *testing.T) {
	x := uint64(1234567)
	for i, want := range []uint64{6457827717110365317, 3203168211198807973, 9817491932198370423, 4593380528125082431, 16408922859458223821} {
		x += 0x9e3779b97f4a7c15
		if got := mix64(x); got != want {
			t.Errorf("splitmix64(1234567) output %d = %d, want %d", i, got, want)
		}
	}
	r := RNG{x: xoshiro{1, 2, 3, 4}}
	for i, want := range []uint64{11520, 0, 1509978240, 1215971899390074240, 1216172134540287360, 607988272756665600} {
		if got := r.Uint64(); got != want {
			t.Errorf("xoshiro256** from state {1, 2, 3, 4}: output %d = %d, want %d", i, got, want)
		}
	}
}

// TestRNGGolden pins the first values of every method for seed 42, so that any change
// to the algorithms, which would change every initialised model, is caught.
func TestRNGGolden(t *testing.T) {
	r := NewRNG(42)
	for i, want := range []uint64{0x15780b2e0c2ec716, 0x6104d9866d113a7e, 0xae17533239e499a1, 0xecb8ad4703b360a1} {
		if got := r.Uint64(); got != want {
			t.Errorf("NewRNG(42).Uint64() #%d = %#x, want %#x", i, got, want)
		}
	}

	r = NewRNG(42)
	if got, want := r.Float64(), float64(0x15780b2e0c2ec716>>11)*0x1p-53; got != want {
		t.Errorf("Float64() = %v, want %v", got, want)
	}

	r = NewRNG(42)
	var ints []int
	for range 8 {
		ints = append(ints, r.Intn(10))
	}
	if want := []int{0, 3, 6, 9, 9, 7, 7, 8}; !slices.Equal(ints, want) {
		t.Errorf("Intn(10) × 8 = %v, want %v", ints, want)
	}

	// Normal goes through math.Log, which may differ in the last bit between
	// architectures, so it is pinned to 1e-14 rather than bit for bit.
	r = NewRNG(42)
	for i, want := range []float64{-0.7262191382447857, 0.2216227015035933, 0.46417731016247366, 1.476249461018415} {
		if got := r.Normal(); math.Abs(got-want) > 1e-14 {
			t.Errorf("Normal() #%d = %v, want %v", i, got, want)
		}
	}

	r = NewRNG(42)
	mask := make([]float32, 16)
	r.FillBernoulliMask(mask, 0.5, 2)
	if want := []float32{2, 2, 2, 2, 0, 2, 0, 2, 0, 0, 0, 2, 0, 2, 0, 0}; !slices.Equal(mask, want) {
		t.Errorf("FillBernoulliMask(16, 0.5, 2) = %v, want %v", mask, want)
	}
}

func TestRNGDeterministic(t *testing.T) {
	a, b := NewRNG(7), NewRNG(7)
	c := a // a copy continues the same stream
	for i := range 1000 {
		x, y, z := a.Uint64(), b.Uint64(), c.Uint64()
		if x != y || x != z {
			t.Fatalf("draw %d: %#x, %#x and %#x from the same seed", i, x, y, z)
		}
	}
	a, b = NewRNG(7), NewRNG(8)
	if a.Uint64() == b.Uint64() {
		t.Errorf("seeds 7 and 8 start with the same value")
	}
}

// The statistical tests below draw from fixed seeds, so they are deterministic; their
// tolerances are set so that a correct generator fails with probability below about
// 1e-6 (5 standard errors for means), so that a change of seed or algorithm that
// leaves the distribution right does not make them fail.
const statDraws = 1_000_000

func TestRNGFloatRange(t *testing.T) {
	if float64(1<<53-1)*0x1p-53 >= 1 {
		t.Fatal("the largest Float64 rounds to 1")
	}
	r := NewRNG(1)
	var sum float64
	for range statDraws {
		g := r.Float64()
		if !(g >= 0 && g < 1) {
			t.Fatalf("Float64() = %v, outside [0, 1)", g)
		}
		sum += g
	}
	// A uniform value on [0, 1) has variance 1/12, so the mean of n has standard
	// error sqrt(1/12/n) ≈ 2.9e-4; allow 5 of them.
	tol := 5 * math.Sqrt(1.0/12/statDraws)
	if mean := sum / statDraws; math.Abs(mean-0.5) > tol {
		t.Errorf("mean of %d Float64() = %v, want 0.5 ± %.2g", statDraws, mean, tol)
	}
}

// checkNormal checks the sample mean and variance of xs against a normal distribution.
// The mean of n statDraws has standard error σ/√n, the sample variance σ²·√(2/n); allow
// 5 standard errors of each.
func checkNormal(t *testing.T, name string, xs []float64, mean, std float64) {
	t.Helper()
	n := float64(len(xs))
	var sum, sumSq float64
	for _, x := range xs {
		sum += x
	}
	m := sum / n
	for _, x := range xs {
		sumSq += (x - m) * (x - m)
	}
	v := sumSq / (n - 1)
	if tol := 5 * std / math.Sqrt(n); math.Abs(m-mean) > tol {
		t.Errorf("%s: mean %v, want %v ± %.2g", name, m, mean, tol)
	}
	if tol := 5 * std * std * math.Sqrt(2/n); math.Abs(v-std*std) > tol {
		t.Errorf("%s: variance %v, want %v ± %.2g", name, v, std*std, tol)
	}
}

func TestRNGNormal(t *testing.T) {
	r := NewRNG(2)
	xs := make([]float64, statDraws)
	within1 := 0
	for i := range xs {
		xs[i] = r.Normal()
		if math.Abs(xs[i]) < 1 {
			within1++
		}
	}
	checkNormal(t, "Normal", xs, 0, 1)
	// P(|Z| < 1) = erf(1/√2) ≈ 0.6827; a proportion p of n has standard error √(p(1−p)/n).
	p := math.Erf(1 / math.Sqrt2)
	if got, tol := float64(within1)/statDraws, 5*math.Sqrt(p*(1-p)/statDraws); math.Abs(got-p) > tol {
		t.Errorf("Normal: fraction within 1σ %v, want %v ± %.2g", got, p, tol)
	}
}

func TestRNGFillNormal(t *testing.T) {
	r := NewRNG(3)
	dst := make([]float32, statDraws+1) // odd, so the last element comes from a half-used pair
	dst[len(dst)-1] = float32(math.NaN())
	r.FillNormal(dst, 3, 2)
	xs := make([]float64, len(dst))
	for i, x := range dst {
		xs[i] = float64(x)
	}
	if math.IsNaN(xs[len(xs)-1]) {
		t.Fatal("FillNormal left the last element of an odd-length slice unset")
	}
	checkNormal(t, "FillNormal(mean 3, std 2)", xs, 3, 2)
}

// chiSquare returns Pearson's statistic for counts that should be equal.
func chiSquare(counts []int) float64 {
	total := 0
	for _, c := range counts {
		total += c
	}
	expected := float64(total) / float64(len(counts))
	var x2 float64
	for _, c := range counts {
		d := float64(c) - expected
		x2 += d * d / expected
	}
	return x2
}

func TestRNGIntnUniform(t *testing.T) {
	r := NewRNG(4)

	// 100 buckets, 99 degrees of freedom: the chi-square statistic exceeds 181 with
	// probability about 1e-6 (Wilson–Hilferty approximation).
	counts := make([]int, 100)
	for range statDraws {
		counts[r.Intn(len(counts))]++
	}
	if x2 := chiSquare(counts); x2 > 181 {
		t.Errorf("Intn(100): chi-square %.1f over 99 degrees of freedom, want < 181", x2)
	}

	// n = 3·2⁶¹ is where bias is largest, 2⁶⁴ mod n being 2⁶². Uint64() % n would give
	// each value below 2⁶² 3/8 more weight, so buckets of 2⁶¹ would hold 3/8, 3/8 and
	// 1/4; the high word of Uint64()·n without Lemire's rejection would do the same to
	// values v with v mod 3 < 2. With 2 degrees of freedom, chi-square exceeds 27.6
	// with probability 1e-6.
	const n = 3 << 61
	high, mod3 := make([]int, 3), make([]int, 3)
	for range statDraws {
		v := r.Intn(n)
		if v < 0 || v >= n {
			t.Fatalf("Intn(%d) = %d", n, v)
		}
		high[v>>61]++
		mod3[v%3]++
	}
	for _, c := range []struct {
		name   string
		counts []int
	}{{"v>>61", high}, {"v%3", mod3}} {
		if x2 := chiSquare(c.counts); x2 > 27.6 {
			t.Errorf("Intn(3<<61): buckets %s %v, chi-square %.1f over 2 degrees of freedom, want < 27.6", c.name, c.counts, x2)
		}
	}

	for range 100 {
		if v := r.Intn(1); v != 0 {
			t.Fatalf("Intn(1) = %d", v)
		}
	}
}

func TestRNGIntnPanics(t *testing.T) {
	for _, n := range []int{0, -1, math.MinInt} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Intn(%d) did not panic", n)
				}
			}()
			r := NewRNG(0)
			r.Intn(n)
		}()
	}
}

func TestRNGSplit(t *testing.T) {
	r := NewRNG(5)
	before := r
	a, b := r.Split(1), r.Split(2)
	if r != before {
		t.Fatal("Split advanced its receiver")
	}
	r.Uint64()
	if again := r.Split(1); again != a {
		t.Error("Split(1) changed after the parent advanced; it should depend on the seed only")
	}
	if other := NewRNG(6); other.Split(1) == a {
		t.Error("seeds 5 and 6 give the same Split(1)")
	}
	ab, ba := a.Split(2), b.Split(1)
	streams := map[string]RNG{"parent": NewRNG(5), "Split(1)": a, "Split(2)": b, "Split(1).Split(2)": ab, "Split(2).Split(1)": ba, "Split(0)": r.Split(0)}

	// Independent streams agree on each bit with probability 1/2: over 64·10⁴ bits
	// the fraction has standard error 1/(2·√(64·10⁴)) = 6.25e-4; allow 5 of them.
	const n = 10_000
	seqs := map[string][]uint64{}
	for name, s := range streams {
		for range n {
			seqs[name] = append(seqs[name], s.Uint64())
		}
	}
	for x, xs := range seqs {
		for y, ys := range seqs {
			if x >= y {
				continue
			}
			same := 0
			for i := range xs {
				same += 64 - bits.OnesCount64(xs[i]^ys[i])
			}
			if f := float64(same) / (64 * n); math.Abs(f-0.5) > 5*6.25e-4 {
				t.Errorf("streams %s and %s agree on %.4f of their bits, want 0.5", x, y, f)
			}
		}
	}
}

func TestRNGFillBernoulliMask(t *testing.T) {
	r := NewRNG(6)
	const keep, scale = 0.7, float32(1 / 0.7)
	dst := make([]float32, statDraws+1)
	r.FillBernoulliMask(dst, keep, scale)
	kept := 0
	for i, x := range dst {
		switch x {
		case scale:
			kept++
		case 0:
		default:
			t.Fatalf("mask[%d] = %v, want 0 or %v", i, x, scale)
		}
	}
	if got, tol := float64(kept)/float64(len(dst)), 5*math.Sqrt(keep*(1-keep)/float64(len(dst))); math.Abs(got-keep) > tol {
		t.Errorf("kept fraction %v, want %v ± %.2g", got, keep, tol)
	}

	for _, tc := range []struct {
		keep float64
		want float32
	}{{0, 0}, {-0.5, 0}, {1, 3}, {1.5, 3}} {
		dst := []float32{7, 7, 7, 7, 7}
		r.FillBernoulliMask(dst, tc.keep, 3)
		for i, x := range dst {
			if x != tc.want {
				t.Errorf("FillBernoulliMask(keep %v, scale 3): [%d] = %v, want %v", tc.keep, i, x, tc.want)
			}
		}
	}

	defer func() {
		if recover() == nil {
			t.Error("FillBernoulliMask(keep NaN) did not panic")
		}
	}()
	r.FillBernoulliMask(dst[:1], math.NaN(), 1)
}

func TestRNGDoesNotAllocate(t *testing.T) {
	buf := make([]float32, 33)
	allocs := testing.AllocsPerRun(100, func() {
		r := NewRNG(9)
		s := r.Split(3)
		s.Uint64()
		r.Intn(17)
		r.Normal()
		r.FillNormal(buf, 0, 1)
		r.FillBernoulliMask(buf, 0.5, 2)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per run, want 0", allocs)
	}
}

var rngSink uint64

func BenchmarkRNGUint64(b *testing.B) {
	r := NewRNG(1)
	var x uint64
	for b.Loop() {
		x += r.Uint64()
	}
	rngSink = x
}

func BenchmarkRNGFillBernoulliMask(b *testing.B) {
	r := NewRNG(1)
	dst := make([]float32, 4096)
	b.SetBytes(int64(4 * len(dst)))
	for b.Loop() {
		r.FillBernoulliMask(dst, 0.5, 2)
	}
}

func BenchmarkRNGFillNormal(b *testing.B) {
	r := NewRNG(1)
	dst := make([]float32, 4096)
	b.SetBytes(int64(4 * len(dst)))
	for b.Loop() {
		r.FillNormal(dst, 0, 0.01)
	}
}
