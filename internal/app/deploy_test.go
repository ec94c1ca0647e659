package app

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/polyvbot/polyvbot/bot"
)

// The deploy files live at the repository root; tests run in internal/app.
const deployDir = "../../deploy"

// secretVars are the contract's secret variables: the Kubernetes Secret must
// hold exactly these, and the ConfigMap none of them.
var secretVars = []string{"SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "POLYV_APP_ID", "POLYV_APP_SECRET"}

// drainTime is the longest SIGTERM drain with the given POLYV_TIMEOUT: the
// bot's own bound, then the health server's shutdown.
func drainTime(polyvTimeout time.Duration) time.Duration {
	return bot.MaxShutdown(polyvTimeout) + healthShutdownTimeout
}

type k8sDeployment struct {
	Spec struct {
		Replicas int
		Strategy struct {
			Type          string
			RollingUpdate struct {
				MaxUnavailable int `yaml:"maxUnavailable"`
				MaxSurge       int `yaml:"maxSurge"`
			} `yaml:"rollingUpdate"`
		}
		Template struct {
			Metadata struct{ Labels map[string]string }
			Spec     struct {
				TopologySpreadConstraints []struct {
					TopologyKey   string `yaml:"topologyKey"`
					MaxSkew       int    `yaml:"maxSkew"`
					LabelSelector struct {
						MatchLabels map[string]string `yaml:"matchLabels"`
					} `yaml:"labelSelector"`
				} `yaml:"topologySpreadConstraints"`
				TerminationGracePeriodSeconds int `yaml:"terminationGracePeriodSeconds"`
				SecurityContext               struct {
					RunAsNonRoot   bool                  `yaml:"runAsNonRoot"`
					SeccompProfile struct{ Type string } `yaml:"seccompProfile"`
				} `yaml:"securityContext"`
				Containers []k8sContainer
			}
		}
	}
}

type k8sContainer struct {
	Image           string
	ImagePullPolicy string `yaml:"imagePullPolicy"`
	EnvFrom         []struct {
		ConfigMapRef *struct{ Name string } `yaml:"configMapRef"`
		SecretRef    *struct{ Name string } `yaml:"secretRef"`
	} `yaml:"envFrom"`
	Ports []struct {
		Name          string
		ContainerPort int `yaml:"containerPort"`
	}
	LivenessProbe  k8sProbe `yaml:"livenessProbe"`
	ReadinessProbe k8sProbe `yaml:"readinessProbe"`
	Resources      struct {
		Requests map[string]string
		Limits   map[string]string
	}
	SecurityContext struct {
		ReadOnlyRootFilesystem   bool  `yaml:"readOnlyRootFilesystem"`
		AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
		Capabilities             struct{ Drop []string }
	} `yaml:"securityContext"`
}

type k8sProbe struct {
	HTTPGet struct {
		Path string
		Port int
	} `yaml:"httpGet"`
}

type k8sData struct {
	Kind     string
	Metadata struct{ Name string }
	Data     map[string]string
	// StringData is the Secret's.
	StringData map[string]string `yaml:"stringData"`
}

func TestK8sDeployment(t *testing.T) {
	t.Parallel()
	var d k8sDeployment
	readYAML(t, "k8s/deployment.yaml", &d)
	require.Equal(t, 2, d.Spec.Replicas, "two replicas serve together")
	require.Equal(t, "RollingUpdate", d.Spec.Strategy.Type)
	require.Zero(t, d.Spec.Strategy.RollingUpdate.MaxUnavailable, "a rollout adds the new pod before it stops an old one")
	require.Equal(t, 1, d.Spec.Strategy.RollingUpdate.MaxSurge)
	pod := d.Spec.Template.Spec
	require.Len(t, pod.TopologySpreadConstraints, 1)
	spread := pod.TopologySpreadConstraints[0]
	require.Equal(t, "kubernetes.io/hostname", spread.TopologyKey, "replicas on different nodes")
	require.Equal(t, map[string]string{"app.kubernetes.io/name": "polyvbot"}, spread.LabelSelector.MatchLabels)
	require.True(t, pod.SecurityContext.RunAsNonRoot)
	require.Equal(t, "RuntimeDefault", pod.SecurityContext.SeccompProfile.Type)
	require.Len(t, pod.Containers, 1)
	c := pod.Containers[0]

	require.Equal(t, healthzPath, c.LivenessProbe.HTTPGet.Path)
	require.Equal(t, readyzPath, c.ReadinessProbe.HTTPGet.Path)
	require.Equal(t, defaultHealthPort, c.LivenessProbe.HTTPGet.Port)
	require.Equal(t, defaultHealthPort, c.ReadinessProbe.HTTPGet.Port)
	require.Len(t, c.Ports, 1)
	require.Equal(t, defaultHealthPort, c.Ports[0].ContainerPort)

	for _, res := range []string{"cpu", "memory"} {
		require.NotEmpty(t, c.Resources.Requests[res], "request %s", res)
		require.NotEmpty(t, c.Resources.Limits[res], "limit %s", res)
	}
	require.True(t, c.SecurityContext.ReadOnlyRootFilesystem)
	require.NotNil(t, c.SecurityContext.AllowPrivilegeEscalation)
	require.False(t, *c.SecurityContext.AllowPrivilegeEscalation)
	require.Equal(t, []string{"ALL"}, c.SecurityContext.Capabilities.Drop)

	var cm, secret k8sData
	readYAML(t, "k8s/configmap.yaml", &cm)
	readYAML(t, "k8s/secret.example.yaml", &secret)
	require.ElementsMatch(t, []string{"ConfigMap/" + cm.Metadata.Name, "Secret/" + secret.Metadata.Name}, envFromRefs(c))

	timeout := defaultPolyvTimeout
	if v := cm.Data["POLYV_TIMEOUT"]; v != "" {
		var err error
		timeout, err = time.ParseDuration(v)
		require.NoError(t, err)
	}
	grace := time.Duration(pod.TerminationGracePeriodSeconds) * time.Second
	require.Greater(t, grace, drainTime(timeout), "the kill must come after the drain")
}

func TestK8sConfigAndSecret(t *testing.T) {
	t.Parallel()
	var cm, secret k8sData
	readYAML(t, "k8s/configmap.yaml", &cm)
	readYAML(t, "k8s/secret.example.yaml", &secret)
	require.Equal(t, "ConfigMap", cm.Kind)
	require.Equal(t, "Secret", secret.Kind)

	require.ElementsMatch(t, secretVars, keys(secret.StringData), "the Secret holds exactly the secret variables")
	for k, v := range secret.StringData {
		require.Contains(t, configVars, k)
		require.Contains(t, v, "REPLACE-ME", "%s must be a placeholder", k)
	}
	for k := range cm.Data {
		require.Contains(t, configVars, k, "ConfigMap key %s is not a variable the bot reads", k)
		require.NotContains(t, secretVars, k, "%s is a secret; it belongs in the Secret", k)
	}
	require.Equal(t, ":"+strconv.Itoa(defaultHealthPort), cm.Data["HEALTH_ADDR"])
	var d k8sDeployment
	readYAML(t, "k8s/deployment.yaml", &d)
	perMinute, err := strconv.ParseFloat(cm.Data["RATE_LIMIT_PER_MINUTE"], 64)
	require.NoError(t, err)
	burst, err := strconv.Atoi(cm.Data["RATE_LIMIT_BURST"])
	require.NoError(t, err)
	require.LessOrEqual(t, perMinute*float64(d.Spec.Replicas), float64(defaultRatePerMinute),
		"the fleet's budget is replicas x RATE_LIMIT_PER_MINUTE; keep it at the single bot's default")
	require.LessOrEqual(t, burst*d.Spec.Replicas, defaultRateBurst)
	_, err = loadConfig(mapLookup(filledIn(merge(cm.Data, secret.StringData))))
	require.NoError(t, err, "the ConfigMap's and Secret's values, filled in, must pass the bot's own validation")
}

func TestKustomization(t *testing.T) {
	t.Parallel()
	var k struct {
		Resources []string
		Images    []struct {
			Name    string
			NewName string `yaml:"newName"`
			NewTag  string `yaml:"newTag"`
			Digest  string
		}
	}
	readYAML(t, "k8s/kustomization.yaml", &k)
	require.ElementsMatch(t, []string{"configmap.yaml", "deployment.yaml", "pdb.yaml"}, k.Resources)
	for _, r := range k.Resources {
		require.FileExists(t, filepath.Join(deployDir, "k8s", r))
	}
	var d k8sDeployment
	readYAML(t, "k8s/deployment.yaml", &d)
	require.Len(t, k.Images, 1)
	image := k.Images[0]
	require.Equal(t, d.Spec.Template.Spec.Containers[0].Image, image.Name)
	require.NotEmpty(t, image.NewName, "the image names a registry")
	// IfNotPresent keeps whatever a node pulled first: only an immutable
	// reference makes every replica run the same build.
	require.Equal(t, "IfNotPresent", d.Spec.Template.Spec.Containers[0].ImagePullPolicy)
	if image.Digest != "" {
		require.Regexp(t, `^sha256:[0-9a-f]{64}$`, image.Digest)
		return
	}
	require.Regexp(t, `^v\d+\.\d+\.\d+$`, image.NewTag, "a version, never latest")
	changelog, err := os.ReadFile(filepath.Join(repoRoot, "CHANGELOG.md"))
	require.NoError(t, err)
	require.Contains(t, string(changelog), "\n## "+image.NewTag+" ", "the manifests deploy a version the CHANGELOG describes")
}

func TestK8sDisruptionBudget(t *testing.T) {
	t.Parallel()
	var pdb struct {
		Kind string
		Spec struct {
			MinAvailable int `yaml:"minAvailable"`
			Selector     struct {
				MatchLabels map[string]string `yaml:"matchLabels"`
			}
		}
	}
	readYAML(t, "k8s/pdb.yaml", &pdb)
	require.Equal(t, "PodDisruptionBudget", pdb.Kind)
	require.Equal(t, 1, pdb.Spec.MinAvailable, "a node drain leaves a replica serving")
	require.Equal(t, map[string]string{"app.kubernetes.io/name": "polyvbot"}, pdb.Spec.Selector.MatchLabels)
}

func TestSlackAppManifest(t *testing.T) {
	t.Parallel()
	var m struct {
		Features struct {
			AppHome struct {
				MessagesTabEnabled         bool `yaml:"messages_tab_enabled"`
				MessagesTabReadOnlyEnabled bool `yaml:"messages_tab_read_only_enabled"`
			} `yaml:"app_home"`
			SlashCommands []struct {
				Command, Description string
				UsageHint            string `yaml:"usage_hint"`
			} `yaml:"slash_commands"`
		}
		OAuthConfig struct {
			Scopes struct{ Bot []string }
		} `yaml:"oauth_config"`
		Settings struct {
			SocketModeEnabled bool `yaml:"socket_mode_enabled"`
			Interactivity     struct {
				IsEnabled bool `yaml:"is_enabled"`
			}
		}
	}
	readYAML(t, "slack-app-manifest.yaml", &m)
	require.True(t, m.Settings.SocketModeEnabled)
	require.True(t, m.Settings.Interactivity.IsEnabled, "CONFIRM_STOP buttons arrive as interactive envelopes")
	require.Len(t, m.Features.SlashCommands, 1)
	cmd := m.Features.SlashCommands[0]
	require.Equal(t, "/polyv", cmd.Command)
	require.Equal(t, bot.UsageHint, cmd.UsageHint)
	require.NotEmpty(t, cmd.Description)
	for _, h := range bot.Help {
		require.Contains(t, cmd.UsageHint, string(h.Verb), "every verb of the help is in the hint")
	}
	// Only what the code calls: nothing reads user profiles, so no users:read.
	want := []string{"commands", "chat:write", "chat:write.public", "usergroups:read"}
	require.ElementsMatch(t, want, m.OAuthConfig.Scopes.Bot)
	// The direct-message fallback lands in the Messages tab; nobody writes back.
	require.True(t, m.Features.AppHome.MessagesTabEnabled, "the DM fallback needs the Messages tab")
	require.True(t, m.Features.AppHome.MessagesTabReadOnlyEnabled, "the bot reads nothing written in its Messages tab")

	// Each scope is justified in a comment just above it.
	raw := readFile(t, "slack-app-manifest.yaml")
	for _, scope := range want {
		require.Contains(t, raw, "# "+scope+":", "scope %s needs a comment saying why", scope)
	}
}

func TestSystemdUnit(t *testing.T) {
	t.Parallel()
	unit := parseUnit(t, readFile(t, "systemd/polyvbot.service"))
	for key, want := range map[string]string{
		"Restart": "always", "EnvironmentFile": "/etc/polyvbot/polyvbot.env", "DynamicUser": "yes",
		"NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
		"KillSignal": "SIGTERM", "RestartPreventExitStatus": strconv.Itoa(exitConfig),
	} {
		require.Contains(t, unit[key], want, "%s=", key)
	}
	stop, err := time.ParseDuration(unit["TimeoutStopSec"][0])
	require.NoError(t, err)
	require.Greater(t, stop, drainTime(defaultPolyvTimeout))
	require.Contains(t, unit["Environment"], "HEALTH_ADDR=127.0.0.1:"+strconv.Itoa(defaultHealthPort))
}

// envFromRefs names the ConfigMaps and Secrets a container takes its
// environment from, as Kind/name.
func envFromRefs(c k8sContainer) []string {
	var refs []string
	for _, e := range c.EnvFrom {
		switch {
		case e.ConfigMapRef != nil:
			refs = append(refs, "ConfigMap/"+e.ConfigMapRef.Name)
		case e.SecretRef != nil:
			refs = append(refs, "Secret/"+e.SecretRef.Name)
		}
	}
	return refs
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(deployDir, name))
	require.NoError(t, err)
	return string(b)
}

// readYAML decodes the fields v names; a malformed file fails the test.
func readYAML(t *testing.T, name string, v any) {
	t.Helper()
	require.NoError(t, yaml.Unmarshal([]byte(readFile(t, name)), v), name)
}

// parseUnit reads a systemd unit's Key=Value lines; keys may repeat.
func parseUnit(t *testing.T, text string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	sc := bufio.NewScanner(bytes.NewBufferString(text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "[") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		require.True(t, ok, "not Key=Value: %q", line)
		out[k] = append(out[k], v)
	}
	return out
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func merge(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

func TestDockerfile(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../Dockerfile")
	require.NoError(t, err)
	var froms, runs, envs, users, exposes []string
	for _, l := range strings.Split(string(b), "\n") {
		word, rest, _ := strings.Cut(strings.TrimSpace(l), " ")
		switch word {
		case "FROM":
			froms = append(froms, rest)
		case "RUN":
			runs = append(runs, rest)
		case "ENV", "ARG":
			envs = append(envs, rest)
		case "USER":
			users = append(users, rest)
		case "EXPOSE":
			exposes = append(exposes, rest)
		}
	}
	require.Len(t, froms, 2, "multi-stage: build, then run")
	build := regexp.MustCompile(`^golang:(\d+\.\d+)\.\d+-bookworm(@sha256:[0-9a-f]{64})? AS build$`).FindStringSubmatch(froms[0])
	require.NotNil(t, build, "the Go image pinned to a patch release (and, once refreshed, a digest): %s", froms[0])
	require.Equal(t, goModMinor(t), build[1], "the image builds with the Go release go.mod names")
	require.Regexp(t, `^gcr\.io/distroless/static-debian12:nonroot(@sha256:[0-9a-f]{64})?$`, froms[1])
	require.Contains(t, string(b), "docker buildx imagetools inspect", "the Dockerfile says how to refresh the pins")
	require.Contains(t, strings.Join(runs, "\n"), "scripts/build.sh", "the image builds with the script CI runs")
	require.Equal(t, []string{"nonroot:nonroot"}, users)
	require.Equal(t, []string{strconv.Itoa(defaultHealthPort)}, exposes)
	require.Contains(t, envs, "HEALTH_ADDR=:"+strconv.Itoa(defaultHealthPort))
	for _, e := range envs {
		for _, secret := range secretVars {
			require.NotContains(t, e, secret, "no secret is baked into the image")
		}
	}
	script, err := os.ReadFile("../../scripts/build.sh")
	require.NoError(t, err)
	require.Contains(t, string(script), `CGO_ENABLED=0 go build -trimpath`)
	require.Contains(t, string(script), "\nstamp=github.com/polyvbot/polyvbot/internal/app\n")
	require.Contains(t, string(script), `-ldflags "-s -w -X ${stamp}.version=${version} -X ${stamp}.commit=${commit} -X ${stamp}.date=${date}"`)
}

// secretPaths are files an operator may fill in with a token, a key or a
// cluster login, where they may leave them: the README's `cp … secret.yaml`,
// the kustomization's secrets.env, .env and its variants, keys and
// kubeconfigs, at the root and deeper.
var secretPaths = []string{
	".env", ".env.local", ".env.production", "cmd/bot/.env", "deploy/.env.prod",
	"secrets.env", "deploy/k8s/secrets.env", "polyvbot.env",
	"secret.yaml", "deploy/k8s/secret.yaml", "secrets.yaml", "deploy/secret.yml", "bot/polyvbot.secret.yaml",
	"tls.key", "deploy/tls.pem", "bot/server.key", "certs/client.p12",
	"kubeconfig", "deploy/k8s/prod.kubeconfig", ".kube/config", ".docker/config.json", "id_rsa", "deploy/id_ed25519",
}

// templatePaths are the tracked templates the ignore patterns must spare.
var templatePaths = []string{".env.example", "deploy/k8s/secret.example.yaml"}

func TestGitignoreCoversSecrets(t *testing.T) {
	t.Parallel()
	git := requireGit(t)
	for _, path := range secretPaths {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			require.True(t, gitIgnores(t, git, path), "%s can hold a secret; .gitignore must cover it", path)
		})
	}
	for _, path := range templatePaths {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			require.False(t, gitIgnores(t, git, path), "%s is a template and stays tracked", path)
		})
	}
	t.Run("no tracked file is ignored", func(t *testing.T) {
		t.Parallel()
		out, err := exec.Command(git, "-C", repoRoot, "ls-files", "--cached", "--ignored", "--exclude-standard").CombinedOutput()
		require.NoError(t, err, string(out))
		require.Empty(t, strings.TrimSpace(string(out)), "tracked files that .gitignore would hide")
	})
}

func TestDockerignoreCoversSecrets(t *testing.T) {
	t.Parallel()
	ignore := readDockerignore(t)
	for _, path := range secretPaths {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			require.True(t, ignore.excludes(path), "%s can hold a secret; .dockerignore must keep it out of the build context", path)
		})
	}
	// The build must still find what the Dockerfile copies.
	for _, path := range buildInputs(t) {
		require.False(t, ignore.excludes(path), "the build needs %s; .dockerignore must let it through", path)
	}
}

// TestDockerfileCopiesOnlyTheBuild: no `COPY . .`; the build stage copies
// named sources only, and they cover every package of the module that
// cmd/bot imports, so the image still builds without Docker here to try it.
func TestDockerfileCopiesOnlyTheBuild(t *testing.T) {
	t.Parallel()
	sources := dockerCopySources(t)
	require.NotEmpty(t, sources)
	for _, src := range sources {
		require.NotEqual(t, ".", path.Clean(src), "COPY . . takes every file of the checkout, secrets included")
		require.NotContains(t, src, "*", "copy named files and directories, not globs")
	}
	for _, input := range buildInputs(t) {
		require.True(t, slices.ContainsFunc(sources, func(src string) bool { return within(input, src) }),
			"the build needs %s; no COPY in the Dockerfile brings it", input)
	}
}

func TestDockerignoreMatchesAsDockerDoes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, patterns, path string
		excluded             bool
	}{
		{"a bare name is anchored at the root", "secret.yaml", "deploy/secret.yaml", false},
		{"a bare name matches at the root", "secret.yaml", "secret.yaml", true},
		{"**/ matches at any depth", "**/secret.yaml", "deploy/k8s/secret.yaml", true},
		{"**/ matches at the root too", "**/secret.yaml", "secret.yaml", true},
		{"a star stays within a directory", "*.env", "deploy/x.env", false},
		{"a directory takes its files", "*", "cmd/bot/main.go", true},
		{"the last match wins", "*\n!cmd/bot/", "cmd/bot/main.go", false},
		{"a negation spares only its own", "*\n!cmd/bot/", "cmd/loadtest/main.go", true},
		{"a later exclusion wins over a negation", "*\n!bot/\n**/.env", "bot/.env", true},
		{"comments and blanks are ignored", "# secret.yaml\n\n", "secret.yaml", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.excluded, parseDockerignore(t, tc.patterns).excludes(tc.path))
		})
	}
}

// repoRoot is the repository's root, seen from internal/app.
const repoRoot = "../.."

func requireGit(t *testing.T) string {
	t.Helper()
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git is not installed; CI has it")
	}
	if err := exec.Command(git, "-C", repoRoot, "rev-parse", "--git-dir").Run(); err != nil {
		t.Skip("not a git checkout")
	}
	return git
}

// gitIgnores asks git itself whether .gitignore covers path; the file need
// not exist.
func gitIgnores(t *testing.T, git, path string) bool {
	t.Helper()
	err := exec.Command(git, "-C", repoRoot, "check-ignore", "--no-index", "-q", path).Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 1 {
		return false
	}
	require.NoError(t, err, "git check-ignore %s", path)
	return true
}

// buildInputs are the files scripts/build.sh compiles from, relative to
// the repository root: every Go file of the module's packages that cmd/bot
// imports, the module files and the script itself.
func buildInputs(t *testing.T) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", "-f",
		`{{if .Module}}{{if .Module.Main}}{{$d := .Dir}}{{range .GoFiles}}{{$d}}/{{.}}{{"\n"}}{{end}}{{end}}{{end}}`,
		"../../cmd/bot").Output()
	require.NoError(t, err)
	root, err := filepath.Abs(repoRoot)
	require.NoError(t, err)
	inputs := []string{"go.mod", "go.sum", "scripts/build.sh"}
	for _, file := range strings.Fields(string(out)) {
		rel, err := filepath.Rel(root, file)
		require.NoError(t, err)
		inputs = append(inputs, filepath.ToSlash(rel))
	}
	require.Contains(t, inputs, "cmd/bot/main.go")
	return inputs
}

// dockerCopySources are the build-context sources of the Dockerfile's COPY
// instructions; copies from another stage are not the context's.
func dockerCopySources(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "Dockerfile"))
	require.NoError(t, err)
	var sources []string
	for _, l := range strings.Split(string(b), "\n") {
		fields := strings.Fields(l)
		if len(fields) < 3 || fields[0] != "COPY" || strings.HasPrefix(fields[1], "--from=") {
			continue
		}
		sources = append(sources, fields[1:len(fields)-1]...)
	}
	return sources
}

// within reports whether the file lies at or under the COPY source src.
func within(file, src string) bool {
	src = path.Clean(src)
	return file == src || strings.HasPrefix(file, src+"/")
}

// dockerignore is a parsed .dockerignore, matched as Docker matches it: a
// pattern is anchored at the context's root, * and ? stay within one path
// element, ** spans any number of them, a pattern that matches a directory
// takes everything under it, ! re-includes, and the last match wins.
type dockerignore []dockerPattern

type dockerPattern struct {
	re      *regexp.Regexp
	include bool
}

func readDockerignore(t *testing.T) dockerignore {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, ".dockerignore"))
	require.NoError(t, err)
	return parseDockerignore(t, string(b))
}

func parseDockerignore(t *testing.T, text string) dockerignore {
	t.Helper()
	var patterns dockerignore
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		p := dockerPattern{}
		l, p.include = strings.CutPrefix(l, "!")
		glob := strings.TrimPrefix(path.Clean(strings.TrimSpace(l)), "/")
		re, err := regexp.Compile("^" + dockerGlobRegexp(glob) + "$")
		require.NoError(t, err, glob)
		p.re = re
		patterns = append(patterns, p)
	}
	return patterns
}

// dockerGlobRegexp translates one pattern as Docker's pattern matcher does.
func dockerGlobRegexp(glob string) string {
	var re strings.Builder
	for i := 0; i < len(glob); i++ {
		switch c := glob[i]; {
		case strings.HasPrefix(glob[i:], "**"):
			i++
			if strings.HasPrefix(glob[i+1:], "/") {
				i++
			}
			if i == len(glob)-1 {
				re.WriteString(".*") // a trailing ** takes everything
			} else {
				re.WriteString("(.*/)?") // any number of directories, even none
			}
		case c == '*':
			re.WriteString("[^/]*")
		case c == '?':
			re.WriteString("[^/]")
		default:
			re.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	return re.String()
}

// excludes reports whether file (relative to the context's root) is left
// out of the build context.
func (d dockerignore) excludes(file string) bool {
	excluded := false
	for _, p := range d {
		if p.matchesOrParent(file) {
			excluded = !p.include
		}
	}
	return excluded
}

func (p dockerPattern) matchesOrParent(file string) bool {
	for f := file; f != "." && f != "/"; f = path.Dir(f) {
		if p.re.MatchString(f) {
			return true
		}
	}
	return false
}

// goModMinor is the Go release go.mod's go line names, as 1.26.
func goModMinor(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "go.mod"))
	require.NoError(t, err)
	m := regexp.MustCompile(`(?m)^go (\d+\.\d+)(\.\d+)?$`).FindSubmatch(b)
	require.NotNil(t, m, "go.mod has no go line")
	return string(m[1])
}
