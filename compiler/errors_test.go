package compiler

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/netc-project/netc/dsl"
	"github.com/stretchr/testify/require"
)

// errorMark finds the expected errors written in a bad spec: # ERROR "regexp" on the line where
// the error must be reported (several per line allowed).
var errorMark = regexp.MustCompile(`ERROR "((?:[^"\\]|\\.)*)"`)

// TestErrors compiles every spec in testdata/errors and checks that the errors reported are
// exactly those marked in it: each mark must match an error on its line, and each error must be
// matched by a mark on its line.
func TestErrors(t *testing.T) {
	files, err := filepath.Glob("testdata/errors/*.net")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			src, err := os.ReadFile(file)
			require.NoError(t, err)
			want := map[int][]*regexp.Regexp{}
			for i, line := range strings.Split(string(src), "\n") {
				for _, m := range errorMark.FindAllStringSubmatch(line, -1) {
					want[i+1] = append(want[i+1], regexp.MustCompile(strings.ReplaceAll(m[1], `\"`, `"`)))
				}
			}
			require.NotEmpty(t, want, "%s marks no errors", file)

			_, err = Compile(file, src)
			var list dsl.ErrorList
			require.True(t, errors.As(err, &list), "want a list of errors, got %v", err)
			for _, e := range list {
				require.Equal(t, file, e.Pos.Filename)
				line := max(e.Pos.Line, 1)
				matched := -1
				for i, re := range want[line] {
					if re.MatchString(e.Msg) {
						matched = i
						break
					}
				}
				if matched < 0 {
					t.Errorf("unexpected error: %v", e)
					continue
				}
				want[line] = append(want[line][:matched], want[line][matched+1:]...)
			}
			for line, res := range want {
				for _, re := range res {
					t.Errorf("%s:%d: missing error matching %q", file, line, re)
				}
			}
			require.True(t, isSorted(list), "errors are not sorted by position:\n%v", list)
		})
	}
}

func isSorted(list dsl.ErrorList) bool {
	for i := 1; i < len(list); i++ {
		a, b := list[i-1].Pos, list[i].Pos
		if a.Line > b.Line || (a.Line == b.Line && a.Column > b.Column) {
			return false
		}
	}
	return true
}
