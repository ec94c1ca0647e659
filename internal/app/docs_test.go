package app

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/joho/godotenv"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/bot"
)

// The operator's documents live at the repository root; tests run in internal/app.
const (
	envExamplePath = "../../.env.example"
	readmePath     = "../../README.md"
)

// TestEnvExampleMatchesConfig keeps .env.example and configVars in step both
// ways, and makes sure the copied file is a configuration the bot accepts.
func TestEnvExampleMatchesConfig(t *testing.T) {
	t.Parallel()
	env, err := godotenv.Read(envExamplePath)
	require.NoError(t, err)
	for _, name := range configVars {
		require.Contains(t, env, name, "%s is read by the bot but missing from .env.example", name)
	}
	for name := range env {
		require.Contains(t, configVars, name, ".env.example sets %s, which the bot does not read", name)
	}
	for _, secret := range secretVars {
		require.Contains(t, env[secret], "REPLACE-ME", "%s must be a placeholder", secret)
	}
	_, err = loadConfig(mapLookup(env))
	require.Error(t, err, "`cp .env.example .env` left as is must not start")
	for _, name := range append(secretVars, "ALLOWED_USERS") {
		require.Contains(t, err.Error(), name+": still holds the REPLACE-ME placeholder")
	}
	_, err = loadConfig(mapLookup(filledIn(env)))
	require.NoError(t, err, "`cp .env.example .env` with the placeholders filled in must load")
}

// filledIn replaces the templates' placeholders with values of the right
// shape, as an operator filling in the file would.
func filledIn(env map[string]string) map[string]string {
	r := strings.NewReplacer("REPLACE-ME", "filled1", "REPLACEME", "FILLED1")
	out := make(map[string]string, len(env))
	for k, v := range env {
		out[k] = r.Replace(v)
	}
	return out
}

// TestEnvExampleCommentsEveryVariable: one comment line right above each.
func TestEnvExampleCommentsEveryVariable(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(envExamplePath)
	require.NoError(t, err)
	lines := strings.Split(string(b), "\n")
	for i, l := range lines {
		name, _, ok := strings.Cut(l, "=")
		if !ok || strings.HasPrefix(l, "#") {
			continue
		}
		require.Positive(t, i, name)
		require.True(t, strings.HasPrefix(lines[i-1], "# "), "%s has no comment above it", name)
	}
}

var readmeTableVar = regexp.MustCompile("^\\| `([A-Z_]+)` \\|")

// configRow is a row of a manual's configuration table: the variable it
// starts with, and its cells.
type configRow struct {
	name  string
	cells []string
}

// configRows are the configuration table's rows, in the manual's order.
func configRows(doc string) []configRow {
	var rows []configRow
	for _, l := range strings.Split(doc, "\n") {
		if m := readmeTableVar.FindStringSubmatch(l); m != nil {
			rows = append(rows, configRow{m[1], strings.Split(strings.Trim(l, "| "), " | ")})
		}
	}
	return rows
}

// TestReadmeConfigTable: every variable the bot reads has a row in the
// README's configuration table, and every row is a variable it reads.
func TestReadmeConfigTable(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(readmePath)
	require.NoError(t, err)
	rows := map[string]bool{}
	for _, r := range configRows(string(b)) {
		rows[r.name] = true
	}
	for _, name := range configVars {
		require.True(t, rows[name], "%s is missing from the README's configuration table", name)
	}
	for name := range rows {
		require.Contains(t, configVars, name, "the README documents %s, which the bot does not read", name)
	}
}

// TestReadmeListsMetrics: every series bot.NewMetrics registers is
// documented in the README.
func TestReadmeListsMetrics(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(readmePath)
	require.NoError(t, err)
	rec := &descRecorder{}
	bot.NewMetrics(rec)
	require.NotEmpty(t, rec.names)
	for _, name := range rec.names {
		require.Contains(t, string(b), "`"+name+"`", "metric %s is not in the README", name)
	}
}

// descRecorder is a prometheus.Registerer that only notes metric names.
type descRecorder struct{ names []string }

var fqName = regexp.MustCompile(`fqName: "([^"]+)"`)

func (r *descRecorder) Register(c prometheus.Collector) error {
	ch := make(chan *prometheus.Desc, 16)
	go func() { c.Describe(ch); close(ch) }()
	for d := range ch {
		if m := fqName.FindStringSubmatch(d.String()); m != nil {
			r.names = append(r.names, m[1])
		}
	}
	return nil
}

func (r *descRecorder) MustRegister(cs ...prometheus.Collector) {
	for _, c := range cs {
		_ = r.Register(c)
	}
}

func (r *descRecorder) Unregister(prometheus.Collector) bool { return false }

// TestReadmeQuickstartOrder: the demo comes first, then the preflight, then
// the real run; and the manual names no machine's paths.
func TestReadmeQuickstartOrder(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(readmePath)
	require.NoError(t, err)
	requireQuickstart(t, string(b))
}

// requireQuickstart checks a manual's Quickstart order and that it names no
// machine's paths.
func requireQuickstart(t *testing.T, doc string) {
	t.Helper()
	steps := []string{"go run ./cmd/demo", "deploy/slack-app-manifest.yaml", "cp .env.example .env", "go run ./cmd/bot -check", "go run ./cmd/bot\n"}
	last := -1
	for _, s := range steps {
		i := strings.Index(doc, s)
		require.Greater(t, i, last, "%q must come after the previous Quickstart step", s)
		last = i
	}
	for _, p := range []string{"/work/", "/tmp/", "/home/", "/root/"} {
		require.NotContains(t, doc, p)
	}
}

// The README's first screen: everything above its second section.
func readmeFirstScreen(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(readmePath)
	require.NoError(t, err)
	readme := string(b)
	end := strings.Index(readme, "\n## Commands")
	require.Positive(t, end, "the README has a Commands section after the Quickstart")
	return readme[:end]
}

// TestReadmeNamesTheGoVersion: the first screen says which Go go.mod
// needs, and that the first run takes a while.
func TestReadmeNamesTheGoVersion(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../go.mod")
	require.NoError(t, err)
	m := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindStringSubmatch(string(b))
	require.NotNil(t, m, "go.mod has a go line")
	first := readmeFirstScreen(t)
	require.Contains(t, first, "Go "+m[1]+" or newer")
	require.Contains(t, first, "about a minute")
}

// readmeGoBuild matches the go build commands the README shows: a line of a
// code block, or inline code with -o (prose may quote the form that fails).
var readmeGoBuild = regexp.MustCompile("(?m)^go build .*$|`go build -o [^`]*`")

// TestReadmeBuildCommandsWork: every go build the README shows names its
// output with -o (at the root, `go build ./cmd/bot` would write to bot,
// which is the bot/ package's directory), into a name git ignores, and
// builds.
func TestReadmeBuildCommandsWork(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(readmePath)
	require.NoError(t, err)
	gitignore, err := os.ReadFile("../../.gitignore")
	require.NoError(t, err)
	cmds := readmeGoBuild.FindAllString(string(b), -1)
	require.Contains(t, readmeFirstScreen(t), "go build -o polyvbot ./cmd/bot")
	for _, c := range cmds {
		args := strings.Fields(strings.Trim(c, "`"))
		i := slices.Index(args, "-o")
		require.True(t, i > 0 && i+2 < len(args), "%q names no output with -o", c)
		out, pkg := args[i+1], args[len(args)-1]
		if st, err := os.Stat(filepath.Join("../..", out)); err == nil {
			require.False(t, st.IsDir(), "%q writes into the directory %s/", c, out)
		}
		require.Contains(t, strings.Split(string(gitignore), "\n"), "/"+out, "%q builds a binary git does not ignore", c)
		if testing.Short() {
			continue
		}
		build := exec.Command("go", "build", "-o", filepath.Join(t.TempDir(), out), pkg)
		build.Dir = "../.."
		msg, err := build.CombinedOutput()
		require.NoError(t, err, "%q: %s", c, msg)
	}
}
