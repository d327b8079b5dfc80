package runtime

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// jsonStrings are string literals, valid and not, for comparing headerScanner.str with
// encoding/json.
var jsonStrings = []string{
	`""`, `"a"`, `"conv1.weight"`, `"ü and 日本"`, `"\"\\\/\b\f\n\r\t"`, `"a\u0041b"`, `"\u00e9\u65E5"`,
	`"\ud83d\ude00"`,        // a surrogate pair: U+1F600
	`"\ud83d"`, `"\ude00x"`, // lone surrogates: U+FFFD
	`"\ud83d\u0041"`,       // a high surrogate, then no low one
	`"\ud83d\ud83d\ude00"`, // a lone high surrogate, then a pair
	`"x\ud83d\`, `"\u12"`, `"\u12g4"`, `"\x"`, `"a`, `"a\"`, "\"a\nb\"", "\"\x00\"", `"\`,
}

// TestSafetensorsHeaderStrings checks the strings of a header against encoding/json: the same value,
// or an error from both.
func TestSafetensorsHeaderStrings(t *testing.T) {
	for _, lit := range jsonStrings {
		checkHeaderString(t, lit)
	}
}

func FuzzSafetensorsHeaderStrings(f *testing.F) {
	for _, lit := range jsonStrings {
		f.Add(lit)
	}
	f.Fuzz(func(t *testing.T, lit string) {
		if !strings.HasPrefix(lit, `"`) || !utf8.ValidString(lit) {
			return // the scanner sees strings only after '"', and headers only once checked as UTF-8
		}
		checkHeaderString(t, lit)
	})
}

func checkHeaderString(t *testing.T, lit string) {
	t.Helper()
	s := headerScanner{b: []byte(lit)}
	got, err := s.str(place{part: "test"})
	var want string
	if err != nil {
		if json.Unmarshal([]byte(lit), &want) == nil {
			t.Errorf("%q: scanner failed (%v), encoding/json read %q", lit, err, want)
		}
		if !strings.HasPrefix(err.Error(), "safetensors: invalid JSON in header at byte ") {
			t.Errorf("%q: error %v", lit, err)
		}
		return
	}
	if err := json.Unmarshal([]byte(lit[:s.pos]), &want); err != nil || string(got) != want {
		t.Errorf("%q: scanner read %q from %q, encoding/json %q (%v)", lit, got, lit[:s.pos], want, err)
	}
}
