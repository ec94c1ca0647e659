package app

import (
	"encoding/json"
	"errors"
	"flag"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/joho/godotenv"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/polyvbot/polyvbot/bot"
	"github.com/polyvbot/polyvbot/polyv"
)

// The monitoring files, relative to deploy/.
const (
	alertsFile          = "monitoring/alerts.yaml"
	dashboardFile       = "monitoring/grafana-dashboard.json"
	monitoringComponent = "k8s/components/monitoring"
	prometheusRuleFile  = monitoringComponent + "/prometheusrule.yaml"
)

var updatePrometheusRule = flag.Bool("update-prometheusrule", false,
	"rewrite "+prometheusRuleFile+" from "+alertsFile)

// TestDashboardUsesExportedMetrics: the dashboard parses, every series its
// queries name is one the bot exports, and it shows every series of the bot,
// its histograms as quantiles.
func TestDashboardUsesExportedMetrics(t *testing.T) {
	t.Parallel()
	var dash any
	require.NoError(t, json.Unmarshal([]byte(readFile(t, dashboardFile)), &dash), "the dashboard is not JSON")
	exprs := dashboardExprs(dash)
	require.NotEmpty(t, exprs)
	series := exportedSeries(t)
	used := map[string]bool{}
	for _, expr := range exprs {
		names := promqlMetricNames(expr)
		require.NotEmpty(t, names, "a query that names no series: %s", expr)
		for _, name := range names {
			require.True(t, series.exports(name), "%s is not a series the bot exports (in %s)", name, expr)
			used[name] = true
		}
	}
	for name, kind := range series {
		if !strings.HasPrefix(name, "polyvbot_") {
			continue
		}
		if kind != "HISTOGRAM" {
			require.True(t, used[name], "the dashboard does not show %s", name)
			continue
		}
		require.True(t, slices.ContainsFunc(exprs, func(e string) bool {
			return strings.Contains(e, "histogram_quantile(") && strings.Contains(e, name+"_bucket")
		}), "the dashboard shows no quantile of %s", name)
	}
	for _, m := range regexp.MustCompile(`label_values\((\w+), *\w+\)`).FindAllStringSubmatch(readFile(t, dashboardFile), -1) {
		require.True(t, series.exports(m[1]), "the dashboard's variables read %s, which the bot does not export", m[1])
	}
}

// TestAlertsUseExportedMetrics: every series a rule names is exported by
// the bot or recorded by a rule of the same file, and every alert is
// labelled, explained and linked to its README runbook entry.
func TestAlertsUseExportedMetrics(t *testing.T) {
	t.Parallel()
	rules := readRules(t, readFile(t, alertsFile))
	series := exportedSeries(t)
	recorded := map[string]bool{}
	for _, r := range rules {
		if r.Record != "" {
			recorded[r.Record] = true
		}
	}
	readme := readmeAnchors(t)
	for _, r := range rules {
		name := r.Alert + r.Record
		for _, metric := range promqlMetricNames(r.Expr) {
			require.True(t, series.exports(metric) || recorded[metric], "%s: %s is not a series the bot exports", name, metric)
		}
		if r.Alert == "" {
			continue
		}
		require.Contains(t, []string{"critical", "warning"}, r.Labels["severity"], r.Alert)
		require.NotEmpty(t, r.Annotations["summary"], r.Alert)
		require.NotEmpty(t, r.Annotations["description"], r.Alert)
		url := r.Annotations["runbook_url"]
		require.Equal(t, runbookURL+strings.ToLower(r.Alert), url, "%s links its own runbook entry", r.Alert)
		require.True(t, readme[strings.ToLower(r.Alert)], "%s: the README has no heading for %s", r.Alert, url)
	}
}

// runbookURL is where the alerts link: the README's Runbook, one heading
// per alert.
const runbookURL = "https://github.com/polyvbot/polyvbot/blob/main/README.md#"

// TestRunbookCoversEveryAlert: the README's Runbook has one entry per alert,
// and none for an alert that does not exist.
func TestRunbookCoversEveryAlert(t *testing.T) {
	t.Parallel()
	var alerts []string
	for _, r := range readRules(t, readFile(t, alertsFile)) {
		if r.Alert != "" {
			alerts = append(alerts, r.Alert)
		}
	}
	require.NotEmpty(t, alerts)
	b, err := os.ReadFile(readmePath)
	require.NoError(t, err)
	_, runbook, ok := strings.Cut(string(b), "\n### Runbook\n")
	require.True(t, ok, "the README has no Runbook section")
	runbook, _, _ = strings.Cut(runbook, "\n## ")
	var entries []string
	for _, m := range regexp.MustCompile(`(?m)^#### (\S+)$`).FindAllStringSubmatch(runbook, -1) {
		entries = append(entries, m[1])
	}
	require.ElementsMatch(t, alerts, entries)
}

// TestPrometheusRuleMatchesAlerts: the component's PrometheusRule carries
// alerts.yaml's groups unchanged. After editing alerts.yaml:
//
//	go test ./internal/app -run TestPrometheusRuleMatchesAlerts -update-prometheusrule
func TestPrometheusRuleMatchesAlerts(t *testing.T) {
	alerts := readFile(t, alertsFile)
	want := prometheusRuleFor(t, alerts)
	if *updatePrometheusRule {
		require.NoError(t, os.WriteFile(filepath.Join(deployDir, prometheusRuleFile), []byte(want), 0o644))
	}
	got := readFile(t, prometheusRuleFile)
	var rule struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string
		Spec       ruleGroups
	}
	require.NoError(t, yaml.Unmarshal([]byte(got), &rule))
	require.Equal(t, "monitoring.coreos.com/v1", rule.APIVersion)
	require.Equal(t, "PrometheusRule", rule.Kind)
	var plain ruleGroups
	require.NoError(t, yaml.Unmarshal([]byte(alerts), &plain))
	require.NotEmpty(t, plain.Groups)
	const differ = "%s and %s differ; run this test with -update-prometheusrule"
	require.Len(t, rule.Spec.Groups, len(plain.Groups), differ, prometheusRuleFile, alertsFile)
	for i, g := range plain.Groups {
		got := rule.Spec.Groups[i]
		require.Equal(t, g.Name, got.Name, differ, prometheusRuleFile, alertsFile)
		require.Equal(t, g.Interval, got.Interval, differ, prometheusRuleFile, alertsFile)
		require.Len(t, got.Rules, len(g.Rules), differ, prometheusRuleFile, alertsFile)
		for j := range g.Rules {
			require.Equal(t, g.Rules[j], got.Rules[j], differ, prometheusRuleFile, alertsFile)
		}
	}
	require.Equal(t, want, got, "%s is generated; run this test with -update-prometheusrule", prometheusRuleFile)
}

// ruleGroups is a rules file's groups, each rule as it is, whatever its keys.
type ruleGroups struct {
	Groups []struct {
		Name, Interval string
		Rules          []map[string]any
	}
}

// prometheusRuleFor wraps the groups of a rules file in a PrometheusRule,
// as text, so that the comments come along.
func prometheusRuleFor(t *testing.T, rules string) string {
	t.Helper()
	_, groups, ok := strings.Cut(rules, "\ngroups:\n")
	require.True(t, ok, "%s has no top-level groups:", alertsFile)
	var b strings.Builder
	b.WriteString(`# Generated from deploy/monitoring/alerts.yaml; do not edit. After editing
# alerts.yaml:
#   go test ./internal/app -run TestPrometheusRuleMatchesAlerts -update-prometheusrule
# Your Prometheus picks PrometheusRules by label (its ruleSelector, e.g.
# release: kube-prometheus-stack): add that label in your overlay if it
# selects by one. The README's Runbook says what each alert means.
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: polyvbot
  labels:
    app.kubernetes.io/name: polyvbot
spec:
  groups:
`)
	for _, line := range strings.SplitAfter(groups, "\n") {
		if strings.TrimSpace(line) != "" {
			b.WriteString("  ")
		}
		b.WriteString(line)
	}
	return b.String()
}

// TestDashboardQueriesParse hands every dashboard query to promtool, as
// recording rules, so a typo fails here rather than as an empty panel.
func TestDashboardQueriesParse(t *testing.T) {
	t.Parallel()
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool is not installed; .ci/run installs it")
	}
	var dash any
	require.NoError(t, json.Unmarshal([]byte(readFile(t, dashboardFile)), &dash))
	grafanaVars := strings.NewReplacer("$__rate_interval", "1m", "$job", ".+")
	type rule struct {
		Record string `yaml:"record"`
		Expr   string `yaml:"expr"`
	}
	var rules []rule
	for _, expr := range dashboardExprs(dash) {
		rules = append(rules, rule{Record: "dashboard:query", Expr: grafanaVars.Replace(expr)})
	}
	out, err := yaml.Marshal(map[string]any{"groups": []any{map[string]any{"name": "dashboard", "rules": rules}}})
	require.NoError(t, err)
	file := filepath.Join(t.TempDir(), "dashboard-rules.yaml")
	require.NoError(t, os.WriteFile(file, out, 0o600))
	check, err := exec.Command(promtool, "check", "rules", file).CombinedOutput()
	require.NoError(t, err, string(check))
}

func TestPromQLMetricNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, expr string
		want       []string
	}{
		{"a bare series", "polyvbot_socket_connected", []string{"polyvbot_socket_connected"}},
		{"matchers and ranges are not names", `rate(polyvbot_commands_total{verb="stop", outcome=~"failed|x"}[$__rate_interval])`, []string{"polyvbot_commands_total"}},
		{"grouping labels are not names", "sum by (le, op) (rate(polyvbot_polyv_request_duration_seconds_bucket[5m]))", []string{"polyvbot_polyv_request_duration_seconds_bucket"}},
		{"grouping after the call", "sum(x_total) without (instance)", []string{"x_total"}},
		{"numbers, offsets and keywords are not names", "histogram_quantile(0.99, a) > 1e3 and b unless c offset 10m", []string{"a", "b", "c"}},
		{"matching clauses", "a / on (instance) group_left (pod) b", []string{"a", "b"}},
		{"recorded names", "sum(polyvbot:commands:increase15m{verb=\"stop\"}) >= 2", []string{"polyvbot:commands:increase15m"}},
		{"strings hold no names", `label_replace(a, "dst", "$1", "src", "(.*)")`, []string{"a"}},
		{"a selector with only matchers", `{__name__="a"}`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, promqlMetricNames(tc.expr))
		})
	}
}

// metricKinds maps each series name the bot exports to its type as the
// registry reports it (COUNTER, GAUGE, HISTOGRAM, SUMMARY, …; empty for a
// series described but never observed).
type metricKinds map[string]string

// exports reports whether a query may name the series: an exported name,
// or a histogram's or summary's _bucket, _sum and _count. A histogram's own
// name selects nothing: its series are those three.
func (k metricKinds) exports(name string) bool {
	if kind, ok := k[name]; ok {
		return kind != "HISTOGRAM"
	}
	for suffix, kinds := range map[string][]string{
		"_bucket": {"HISTOGRAM"}, "_sum": {"HISTOGRAM", "SUMMARY"}, "_count": {"HISTOGRAM", "SUMMARY"},
	} {
		if base, ok := strings.CutSuffix(name, suffix); ok && slices.Contains(kinds, k[base]) {
			return true
		}
	}
	return false
}

// exportedSeries builds the registry as newApp does (the Go and process
// collectors and bot.NewMetrics), feeds one Polyv event of each kind so that
// the labelled histograms report their type, and lists every series. It
// also checks that the real app's registry describes the same names.
func exportedSeries(t *testing.T) metricKinds {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := bot.NewMetrics(reg)
	m.ObservePolyv(polyv.Event{Op: "stop-pull-stream", Attempt: 1})
	m.ObservePolyv(polyv.Event{Op: "stop-pull-stream", Err: errors.New("refused by the bucket")})
	kinds := metricKinds{}
	for _, name := range describedNames(reg) {
		kinds[name] = ""
	}
	families, err := reg.Gather()
	require.NoError(t, err)
	for _, f := range families {
		kinds[f.GetName()] = f.GetType().String()
	}
	require.ElementsMatch(t, describedNames(appRegistry(t)), describedNames(reg),
		"the test's registry must hold what newApp's does")
	return kinds
}

// appRegistry is the registry of the app wired from .env.example, filled in.
func appRegistry(t *testing.T) *prometheus.Registry {
	t.Helper()
	env, err := godotenv.Read(envExamplePath)
	require.NoError(t, err)
	cfg, err := loadConfig(mapLookup(filledIn(env)))
	require.NoError(t, err)
	a, err := newApp(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	return a.registry
}

// describedNames are the names of every series c describes, observed or not.
func describedNames(c prometheus.Collector) []string {
	ch := make(chan *prometheus.Desc)
	go func() { c.Describe(ch); close(ch) }()
	var names []string
	for d := range ch {
		if m := fqName.FindStringSubmatch(d.String()); m != nil {
			names = append(names, m[1])
		}
	}
	return names
}

type promRule struct {
	Alert, Record, Expr string
	Labels              map[string]string
	Annotations         map[string]string
}

func readRules(t *testing.T, text string) []promRule {
	t.Helper()
	var file struct {
		Groups []struct {
			Name  string
			Rules []promRule
		}
	}
	require.NoError(t, yaml.Unmarshal([]byte(text), &file))
	var rules []promRule
	for _, g := range file.Groups {
		require.NotEmpty(t, g.Rules, g.Name)
		rules = append(rules, g.Rules...)
	}
	require.NotEmpty(t, rules)
	return rules
}

// readmeAnchors are the README's headings as GitHub makes them anchors.
func readmeAnchors(t *testing.T) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(readmePath)
	require.NoError(t, err)
	anchors := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^#+ (.+)$`).FindAllStringSubmatch(string(b), -1) {
		slug := strings.ToLower(strings.TrimSpace(m[1]))
		slug = regexp.MustCompile(`[^\p{L}\p{N} _-]`).ReplaceAllString(slug, "")
		anchors[strings.ReplaceAll(slug, " ", "-")] = true
	}
	return anchors
}

// dashboardExprs are the PromQL queries of every panel, nested rows
// included: each "expr" anywhere in the dashboard.
func dashboardExprs(v any) []string {
	var exprs []string
	switch v := v.(type) {
	case map[string]any:
		if e, ok := v["expr"].(string); ok {
			exprs = append(exprs, e)
		}
		for _, child := range v {
			exprs = append(exprs, dashboardExprs(child)...)
		}
	case []any:
		for _, child := range v {
			exprs = append(exprs, dashboardExprs(child)...)
		}
	}
	return exprs
}

var (
	// Quoted strings, label matchers and range or subquery brackets hold
	// label names, values and durations, never series names.
	promqlStrings    = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|` + "`[^`]*`")
	promqlBrackets   = regexp.MustCompile(`\{[^{}]*\}|\[[^\[\]]*\]`)
	promqlLabelLists = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)`)
	promqlIdent      = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*`)
	promqlKeywords   = []string{"and", "or", "unless", "offset", "bool", "atan2", "inf", "nan"}
)

// promqlMetricNames are the series names a PromQL expression selects, in
// order: what is left once strings, matchers, ranges, grouping clauses,
// function names, keywords and numbers are taken out. It reads the queries
// of this repository, not any PromQL.
func promqlMetricNames(expr string) []string {
	expr = promqlStrings.ReplaceAllString(expr, `""`)
	expr = promqlBrackets.ReplaceAllString(expr, " ")
	expr = promqlLabelLists.ReplaceAllString(expr, " ")
	var names []string
	for _, loc := range promqlIdent.FindAllStringIndex(expr, -1) {
		word := expr[loc[0]:loc[1]]
		before, after := expr[:loc[0]], strings.TrimLeft(expr[loc[1]:], " \t\n")
		switch {
		case strings.HasPrefix(after, "("): // a function or an aggregation
		case before != "" && strings.ContainsAny(before[len(before)-1:], "0123456789."): // 1e3, 10m
		case slices.Contains(promqlKeywords, strings.ToLower(word)):
		default:
			names = append(names, word)
		}
	}
	return names
}

// TestMonitoringComponent: the optional component holds the three
// objects, keeps an annotation-following Prometheus from scraping twice,
// and the overlay beside deploy/k8s adds it to the base.
func TestMonitoringComponent(t *testing.T) {
	t.Parallel()
	var component struct {
		Kind      string
		Resources []string
		Patches   []struct{ Patch string }
	}
	readYAML(t, monitoringComponent+"/kustomization.yaml", &component)
	require.Equal(t, "Component", component.Kind)
	require.ElementsMatch(t, []string{"service.yaml", "servicemonitor.yaml", "prometheusrule.yaml"}, component.Resources)
	require.Len(t, component.Patches, 1)
	require.Contains(t, component.Patches[0].Patch, `prometheus.io/scrape: "false"`,
		"with a ServiceMonitor, an annotation-following Prometheus must not scrape the pods a second time")

	var overlay struct{ Resources, Components []string }
	readYAML(t, "k8s-with-monitoring/kustomization.yaml", &overlay)
	require.Equal(t, []string{"../k8s"}, overlay.Resources)
	require.Equal(t, []string{"../" + monitoringComponent}, overlay.Components)
}

// TestMonitoringServiceSelectsThePods: the Service selects the
// Deployment's pods and targets their health port, even when not ready.
func TestMonitoringServiceSelectsThePods(t *testing.T) {
	t.Parallel()
	var d k8sDeployment
	readYAML(t, "k8s/deployment.yaml", &d)
	svc := readService(t)
	require.NotEmpty(t, svc.Spec.Selector)
	for k, v := range svc.Spec.Selector {
		require.Equal(t, v, d.Spec.Template.Metadata.Labels[k], "the Service selects the Deployment's pods by %s", k)
	}
	require.True(t, svc.Spec.PublishNotReadyAddresses, "a replica that lost Slack is not ready, and must still be scraped")
	require.Len(t, svc.Spec.Ports, 1)
	require.Equal(t, defaultHealthPort, containerPort(t, d.Spec.Template.Spec.Containers[0], svc.Spec.Ports[0].TargetPort),
		"the Service targets the health port")
}

// TestServiceMonitorScrapesTheService: the ServiceMonitor selects the
// Service and scrapes /metrics on its port.
func TestServiceMonitorScrapesTheService(t *testing.T) {
	t.Parallel()
	svc := readService(t)
	var monitor struct {
		Kind string
		Spec struct {
			Selector struct {
				MatchLabels map[string]string `yaml:"matchLabels"`
			}
			Endpoints []struct{ Port, Path string }
		}
	}
	readYAML(t, monitoringComponent+"/servicemonitor.yaml", &monitor)
	require.Equal(t, "ServiceMonitor", monitor.Kind)
	require.NotEmpty(t, monitor.Spec.Selector.MatchLabels)
	for k, v := range monitor.Spec.Selector.MatchLabels {
		require.Equal(t, v, svc.Metadata.Labels[k], "the ServiceMonitor selects the Service by %s", k)
	}
	require.Len(t, monitor.Spec.Endpoints, 1)
	require.Equal(t, svc.Spec.Ports[0].Name, monitor.Spec.Endpoints[0].Port)
	require.Equal(t, metricsPath, monitor.Spec.Endpoints[0].Path)
}

type k8sService struct {
	Kind     string
	Metadata struct{ Labels map[string]string }
	Spec     struct {
		Selector                 map[string]string
		PublishNotReadyAddresses bool `yaml:"publishNotReadyAddresses"`
		Ports                    []struct {
			Name       string
			Port       int
			TargetPort any `yaml:"targetPort"`
		}
	}
}

func readService(t *testing.T) k8sService {
	t.Helper()
	var svc k8sService
	readYAML(t, monitoringComponent+"/service.yaml", &svc)
	require.Equal(t, "Service", svc.Kind)
	return svc
}

// containerPort resolves a Service's targetPort, a number or a port's name,
// to the container's port number.
func containerPort(t *testing.T, c k8sContainer, target any) int {
	t.Helper()
	switch target := target.(type) {
	case int:
		return target
	case string:
		for _, p := range c.Ports {
			if p.Name == target {
				return p.ContainerPort
			}
		}
		require.Failf(t, "no such port", "the container has no port named %q", target)
	default:
		require.Failf(t, "targetPort", "targetPort %v is neither a number nor a name", target)
	}
	return 0
}
