package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ownModuleMark is the comment in README.md before the block of commands TestOwnModule runs.
const ownModuleMark = "<!-- cmd/netc's TestOwnModule runs the next block"

// TestOwnModule follows README's "Using netc in your own module" literally: it runs the commands
// of its block with bash in a new temporary directory outside the repository that holds only a
// copy of netc (a link to this repository) as ./netc. They make a module, depend on netc, generate
// a package from a spec with go generate, build it and run a forward pass.
func TestOwnModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module")
	}
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	script := shellBlockAfter(t, string(readme), ownModuleMark)

	repo, err := filepath.Abs("../..")
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, os.Symlink(repo, filepath.Join(dir, "netc")))
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-buildvcs=false")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "README's commands failed:\n%s", out)
	assert.Regexp(t, `(?m)^10 logits: \[\S+( \S+){9}\]$`, string(out))

	// The generated package is named as its folder and carries no //go:generate line of its own:
	// main.go's runs netc.
	model, err := os.ReadFile(filepath.Join(dir, "hello", "tiny", "model.go"))
	require.NoError(t, err)
	assert.Contains(t, string(model), "\npackage tiny\n")
	assert.NotContains(t, string(model), "go:generate")
}

// shellBlockAfter returns the text of the first ```sh block after mark in a Markdown document.
func shellBlockAfter(t *testing.T, doc, mark string) string {
	t.Helper()
	_, rest, ok := strings.Cut(doc, mark)
	require.True(t, ok, "README.md has no %q", mark)
	_, rest, ok = strings.Cut(rest, "```sh\n")
	require.True(t, ok, "no ```sh block after %q in README.md", mark)
	block, _, ok := strings.Cut(rest, "\n```\n")
	require.True(t, ok, "the ```sh block after %q does not end", mark)
	return block + "\n"
}
