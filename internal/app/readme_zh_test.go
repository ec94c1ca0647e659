package app

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/bot"
)

// README.zh-CN.md translates README.md's Quickstart, Commands, Configuration
// and Troubleshooting and points to README.md for the rest. These tests fail
// when the two drift apart in what an operator types, sets or greps, so that
// a change to the English manual that the translation misses shows up here
// rather than in front of a responder.

const readmeZhPath = "../../README.zh-CN.md"

// translatedSections are README.md's sections that README.zh-CN.md
// translates, besides the text above the first of them.
var translatedSections = []string{"Quickstart", "Commands", "Configuration", "Troubleshooting"}

// TestReadmeZhConfigTable: the Chinese configuration table has a row for
// every variable the bot reads and no other, in README.md's order, and each
// row keeps the English row's code (names, defaults, values) as it is.
func TestReadmeZhConfigTable(t *testing.T) {
	t.Parallel()
	en, zh := configRows(readDoc(t, readmePath)), configRows(readDoc(t, readmeZhPath))
	require.ElementsMatch(t, configVars, rowNames(zh), "README.zh-CN.md's configuration table against the variables the bot reads")
	require.Equal(t, rowNames(en), rowNames(zh), "README.zh-CN.md's configuration table has README.md's rows, in its order")
	for i, row := range zh {
		require.Len(t, row.cells, len(en[i].cells), "%s: README.zh-CN.md's row has README.md's columns", row.name)
		require.Equal(t, inlineCode(en[i].cells[2]), inlineCode(row.cells[2]), "%s: the default is written as in README.md", row.name)
		require.Equal(t, inlineCode(strings.Join(en[i].cells, " ")), inlineCode(strings.Join(row.cells, " ")),
			"%s: README.zh-CN.md's row keeps the code of README.md's row", row.name)
	}
}

// commandRow matches a row of a manual's commands table and takes the
// usage after the slash command.
var commandRow = regexp.MustCompile("(?m)^\\| `/polyv ([^`]*)`")

// TestReadmesListTheBotsCommands: both manuals' commands tables list the
// verbs of bot.Help, each with its usage as the help shows it, and the
// Chinese one shows each help example.
func TestReadmesListTheBotsCommands(t *testing.T) {
	t.Parallel()
	var usages, examples []string
	for _, h := range bot.Help {
		usages = append(usages, strings.TrimSpace(string(h.Verb)+" "+h.Args))
		examples = append(examples, "/polyv "+h.Example)
	}
	for _, tc := range []struct {
		doc      string
		examples []string
	}{
		{readmePath, nil},
		{readmeZhPath, examples},
	} {
		t.Run(filepath.Base(tc.doc), func(t *testing.T) {
			t.Parallel()
			doc := readDoc(t, tc.doc)
			var listed []string
			for _, m := range commandRow.FindAllStringSubmatch(doc, -1) {
				listed = append(listed, m[1])
			}
			require.Equal(t, usages, listed, "the commands table lists bot.Help's verbs, in its order")
			for _, e := range tc.examples {
				require.Truef(t, strings.Contains(doc, e), "the help's example %q is not shown", e)
			}
		})
	}
}

// TestReadmesLinkEachOther: each manual links the other in its first lines,
// where a reader looking for their language sees it.
func TestReadmesLinkEachOther(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ doc, link string }{
		{readmePath, "[README.zh-CN.md](README.zh-CN.md)"},
		{readmeZhPath, "[README.md](README.md)"},
	} {
		t.Run(filepath.Base(tc.doc), func(t *testing.T) {
			t.Parallel()
			top := strings.SplitN(readDoc(t, tc.doc), "\n", 6)[:5]
			require.Truef(t, strings.Contains(strings.Join(top, "\n"), tc.link), "the first lines do not link the other manual: %s", tc.link)
		})
	}
}

// TestReadmeZhQuickstart: the Chinese Quickstart has the English one's
// steps in order, names the Go release go.mod needs, and how to run the
// tests.
func TestReadmeZhQuickstart(t *testing.T) {
	t.Parallel()
	zh := readDoc(t, readmeZhPath)
	requireQuickstart(t, zh)
	head, _, _ := strings.Cut(zh, "\n## ")
	goVersion := goModMinor(t)
	require.Truef(t, strings.Contains(head, "Go "+goVersion+" 或更高版本"), "the first screen does not name Go %s", goVersion)
	require.True(t, strings.Contains(head, "一分钟"), "the first screen does not say that the first run takes about a minute")
	require.True(t, strings.Contains(zh, "go test -race ./..."), "README.zh-CN.md does not say how to run the tests")
}

// TestReadmeZhKeepsTheCode: every piece of inline code in the English
// sections the Chinese manual translates appears in it unchanged: these are
// what operators type and grep (variables, commands, log fields, Slack's
// and Polyv's error codes).
func TestReadmeZhKeepsTheCode(t *testing.T) {
	t.Parallel()
	en, zh := readDoc(t, readmePath), inlineCode(readDoc(t, readmeZhPath))
	head, _, _ := strings.Cut(en, "\n## ")
	sections := map[string]string{"the text above Quickstart": head}
	for _, title := range translatedSections {
		sections[title] = section(t, en, title)
	}
	for title, text := range sections {
		for _, code := range inlineCode(text) {
			require.Truef(t, slices.Contains(zh, code), "README.md's %s has `%s`; README.zh-CN.md must keep it", title, code)
		}
	}
}

// TestReadmeZhPointsToTheRest: the Chinese manual links, by its English
// title, every section of README.md it does not translate, and every link
// it has into README.md leads to a heading there.
func TestReadmeZhPointsToTheRest(t *testing.T) {
	t.Parallel()
	en, zh := readDoc(t, readmePath), readDoc(t, readmeZhPath)
	for _, m := range regexp.MustCompile(`(?m)^## (.+)$`).FindAllStringSubmatch(en, -1) {
		if !slices.Contains(translatedSections, m[1]) {
			require.Truef(t, strings.Contains(zh, "["+m[1]+"](README.md#"), "README.zh-CN.md does not point to README.md's %q", m[1])
		}
	}
	anchors := readmeAnchors(t)
	links := regexp.MustCompile(`\(README\.md#([^)]+)\)`).FindAllStringSubmatch(zh, -1)
	require.NotEmpty(t, links)
	for _, l := range links {
		require.True(t, anchors[l[1]], "README.zh-CN.md links README.md#%s, which is no heading there", l[1])
	}
}

func readDoc(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

func rowNames(rows []configRow) []string {
	names := make([]string, len(rows))
	for i, r := range rows {
		names[i] = r.name
	}
	return names
}

// section is the text of a manual's level-2 section, up to the next one.
func section(t *testing.T, doc, title string) string {
	t.Helper()
	_, text, ok := strings.Cut(doc, "\n## "+title+"\n")
	require.True(t, ok, "README.md has no section %q", title)
	text, _, _ = strings.Cut(text, "\n## ")
	return text
}

var (
	fencedBlock = regexp.MustCompile("(?s)```.*?```")
	codeSpan    = regexp.MustCompile("`([^`\n]+)`")
)

// inlineCode is the distinct inline code of a text outside its code blocks,
// sorted.
func inlineCode(text string) []string {
	var spans []string
	for _, m := range codeSpan.FindAllStringSubmatch(fencedBlock.ReplaceAllString(text, ""), -1) {
		spans = append(spans, m[1])
	}
	slices.Sort(spans)
	return slices.Compact(spans)
}
