package runtime

import (
	"math"
	"math/bits"
)

// RNG is a small, fast, seeded pseudo-random generator for weight initialisation,
// dropout masks and data augmentation: xoshiro256** (Blackman and Vigna, 2018), its
// state filled from the seed by splitmix64. It is not cryptographically secure.
//
// An RNG is a plain value of five words: it needs no allocation, and copying it copies
// the stream, so that the copy yields the same values as the original. It is not safe
// for concurrent use; give each worker its own with Split. The zero RNG is not valid
// (it yields only zeros): create one with NewRNG.
//
// The same seed gives the same sequence on every platform for Uint64, Intn, Float64 and
// FillBernoulliMask. Normal and FillNormal use math.Log, which some architectures implement
// in assembly, so across architectures their values may differ in the last bit.
type RNG struct {
	x    xoshiro // the generator's state
	seed uint64  // the seed given to NewRNG, from which Split derives streams
}

// xoshiro is the state of xoshiro256**, never all zero. It is stepped by value, so
// that loops that draw many numbers can keep it in registers.
type xoshiro struct{ s0, s1, s2, s3 uint64 }

// NewRNG returns a generator seeded with seed.
func NewRNG(seed uint64) RNG {
	// splitmix64: mix64 is a bijection, so the four words are distinct and the
	// state cannot be all zero.
	var s [4]uint64
	z := seed
	for i := range s {
		z += 0x9e3779b97f4a7c15
		s[i] = mix64(z)
	}
	return RNG{x: xoshiro{s[0], s[1], s[2], s[3]}, seed: seed}
}

// mix64 is the splitmix64 finaliser, a bijection of uint64 that spreads every input
// bit over every output bit.
func mix64(z uint64) uint64 {
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// next returns the state after x and the output of this step.
func (x xoshiro) next() (xoshiro, uint64) {
	result := bits.RotateLeft64(x.s1*5, 7) * 9
	t := x.s1 << 17
	x.s2 ^= x.s0
	x.s3 ^= x.s1
	x.s1 ^= x.s2
	x.s0 ^= x.s3
	x.s2 ^= t
	x.s3 = bits.RotateLeft64(x.s3, 45)
	return x, result
}

// Uint64 returns a uniformly distributed uint64.
func (r *RNG) Uint64() uint64 {
	var v uint64
	r.x, v = r.x.next()
	return v
}

// Float64 returns a uniformly distributed float64 in [0, 1): a random multiple of 2⁻⁵³.
func (r *RNG) Float64() float64 {
	return float64(r.Uint64()>>11) * 0x1p-53
}

// Normal returns a standard normal value (mean 0, variance 1).
func (r *RNG) Normal() float64 {
	z, _ := r.normalPair()
	return z
}

// normalPair returns two independent standard normal values, by Marsaglia's polar
// method: a point drawn uniformly from the unit disc, scaled.
func (r *RNG) normalPair() (float64, float64) {
	for {
		u := 2*r.Float64() - 1
		v := 2*r.Float64() - 1
		// The conversions forbid a fused multiply-add, which would change the
		// result on the architectures that have one.
		s := float64(u*u) + float64(v*v)
		if s > 0 && s < 1 {
			f := math.Sqrt(-2 * math.Log(s) / s)
			return u * f, v * f
		}
	}
}

// Intn returns a uniformly distributed int in [0, n), without modulo bias, by
// Lemire's multiply-and-reject method. It panics if n <= 0.
func (r *RNG) Intn(n int) int {
	if n <= 0 {
		panic("runtime: RNG.Intn: n <= 0")
	}
	// The high word of x·n is uniform over [0, n) except that some values get one
	// extra x out of 2⁶⁴; rejecting the low words below 2⁶⁴ mod n removes exactly those.
	bound := uint64(n)
	hi, lo := bits.Mul64(r.Uint64(), bound)
	if lo < bound {
		threshold := -bound % bound // 2⁶⁴ mod n
		for lo < threshold {
			hi, lo = bits.Mul64(r.Uint64(), bound)
		}
	}
	return int(hi)
}

// Split returns a new generator for the given stream id, derived from the seed of r
// and stream alone: it does not advance r, and it returns the same generator whenever
// it is called. Different streams give independent-looking sequences, so that workers
// or layers can each draw their own.
func (r *RNG) Split(stream uint64) RNG {
	return NewRNG(mix64(r.seed ^ mix64(stream+0x9e3779b97f4a7c15)))
}

// FillNormal fills dst with normal values of the given mean and standard deviation.
func (r *RNG) FillNormal(dst []float32, mean, std float64) {
	for i := 0; i < len(dst); i += 2 {
		z0, z1 := r.normalPair()
		dst[i] = float32(mean + float64(std*z0))
		if i+1 < len(dst) {
			dst[i+1] = float32(mean + float64(std*z1))
		}
	}
}

// FillBernoulliMask fills dst with an inverted-dropout mask: each element is scale
// with probability keep and 0 otherwise, independently. keep is clamped to [0, 1] and
// honoured to within 2⁻³³; FillBernoulliMask panics if keep is NaN.
func (r *RNG) FillBernoulliMask(dst []float32, keep float64, scale float32) {
	if math.IsNaN(keep) {
		panic("runtime: RNG.FillBernoulliMask: keep is NaN")
	}
	// An element is kept when a fresh 32-bit random u is below the threshold t,
	// which happens with probability t / 2³². Each Uint64 serves two elements.
	t := int64(math.Round(min(max(keep, 0), 1) * (1 << 32)))
	bits := math.Float32bits(scale)
	x, v := r.x, uint64(0)
	i := 0
	for ; i+1 < len(dst); i += 2 {
		x, v = x.next()
		dst[i] = math.Float32frombits(bits & keepMask(v>>32, t))
		dst[i+1] = math.Float32frombits(bits & keepMask(v&0xffffffff, t))
	}
	if i < len(dst) {
		x, v = x.next()
		dst[i] = math.Float32frombits(bits & keepMask(v>>32, t))
	}
	r.x = x
}

// keepMask returns all ones if u < t and 0 otherwise, without a branch, for
// u in [0, 2³²) and t in [0, 2³²].
func keepMask(u uint64, t int64) uint32 {
	return uint32((int64(u) - t) >> 63)
}
