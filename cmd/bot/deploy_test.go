package main

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/polyvbot/polyvbot/bot"
)

// The deploy files live at the repository root; tests run in cmd/bot.
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
	Image   string
	EnvFrom []struct {
		ConfigMapRef *struct{ Name string } `yaml:"configMapRef"`
		SecretRef    *struct{ Name string } `yaml:"secretRef"`
	} `yaml:"envFrom"`
	Ports []struct {
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
		Images    []struct{ Name string }
	}
	readYAML(t, "k8s/kustomization.yaml", &k)
	require.ElementsMatch(t, []string{"configmap.yaml", "deployment.yaml", "pdb.yaml"}, k.Resources)
	for _, r := range k.Resources {
		require.FileExists(t, filepath.Join(deployDir, "k8s", r))
	}
	var d k8sDeployment
	readYAML(t, "k8s/deployment.yaml", &d)
	require.Len(t, k.Images, 1)
	require.Equal(t, d.Spec.Template.Spec.Containers[0].Image, k.Images[0].Name)
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
	require.True(t, strings.HasPrefix(froms[0], "golang:1.26 "), froms[0])
	require.Equal(t, "gcr.io/distroless/static-debian12:nonroot", froms[1])
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
	require.Contains(t, string(script), `CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${version}"`)
}
