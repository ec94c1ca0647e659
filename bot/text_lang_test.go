package bot

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// TestCatalogueComplete fails when a message exists in one language and not
// the other: every format string the bot words through words.f, and every
// phrase of its tables, has a Chinese entry with the same verbs, and every
// Chinese entry is still used.
func TestCatalogueComplete(t *testing.T) {
	t.Parallel()
	keys := catalogueKeys(t)
	require.NotEmpty(t, keys)
	for key := range keys {
		zh, ok := zhCN[key]
		if !assertf(t, ok, "no Chinese for %q", key) {
			continue
		}
		require.Equal(t, formatVerbs(key), formatVerbs(zh), "the Chinese for %q takes other values", key)
	}
	for key := range zhCN {
		require.True(t, keys[key], "the Chinese entry %q is not used: remove it", key)
	}
}

func assertf(t *testing.T, ok bool, format string, args ...any) bool {
	t.Helper()
	if !ok {
		t.Errorf(format, args...)
	}
	return ok
}

// catalogueKeys parses the package's files and returns the literal first
// argument of every call of f and phrase.
func catalogueKeys(t *testing.T) map[string]bool {
	t.Helper()
	entries, err := os.ReadDir(".")
	require.NoError(t, err)
	keys := map[string]bool{}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		file, err := parser.ParseFile(token.NewFileSet(), e.Name(), nil, 0)
		require.NoError(t, err)
		ast.Inspect(file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 || !isCatalogueCall(call.Fun) {
				return true
			}
			if s, ok := literal(call.Args[0]); ok {
				keys[s] = true
			}
			return true
		})
	}
	return keys
}

func isCatalogueCall(fun ast.Expr) bool {
	switch f := fun.(type) {
	case *ast.SelectorExpr:
		return f.Sel.Name == "f"
	case *ast.Ident:
		return f.Name == "phrase"
	}
	return false
}

// literal is a string literal, or literals joined with +.
func literal(e ast.Expr) (string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(e.Value)
		return s, err == nil
	case *ast.BinaryExpr:
		a, ok1 := literal(e.X)
		b, ok2 := literal(e.Y)
		return a + b, ok1 && ok2 && e.Op == token.ADD
	}
	return "", false
}

var verbPattern = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z%]`)

// formatVerbs are a format string's verbs, sorted, without argument
// indexes: a translation may reorder them, not change them.
func formatVerbs(format string) []string {
	var verbs []string
	for _, v := range verbPattern.FindAllString(format, -1) {
		verbs = append(verbs, regexp.MustCompile(`\[\d+\]`).ReplaceAllString(v, ""))
	}
	slices.Sort(verbs)
	return verbs
}

// Chinese keeps English's invariants, sample by sample: outside text never
// forms a mention or a link (only the bot's own mentions of the requester,
// of Slack channels and of a thread), and numbers are formatted for the
// language: a count is grouped as the language groups it, a channel id
// never.
func TestWordingInvariants(t *testing.T) {
	t.Parallel()
	markup := regexp.MustCompile(`<[^>]*>`)
	own := regexp.MustCompile(`^<(@U0[A-Z]+|#[CG]0[A-Z]+|https://t\.slack\.com/archives/C0OPS/p\d\|thread|!date\^\d+\^\{date_short_pretty\}( at)? \{time\}\|[\d: -]+UTC)>$`)
	grouped := regexp.MustCompile(`\b(10,0\d\d|2,147,483,64\d)\b`) // the samples' ids, grouped
	for _, tag := range []language.Tag{English, Chinese} {
		t.Run(tag.String(), func(t *testing.T) {
			t.Parallel()
			wd := newWords(tag)
			count := message.NewPrinter(tag).Sprintf("%d", MaxCommandBytes+1)
			require.NotEqual(t, "4001", count, "a count is grouped")
			for _, s := range wordingSamples(wd) {
				for _, m := range markup.FindAllString(s.text, -1) {
					require.Regexp(t, own, m, "%s: markup the bot did not mean", s.name)
				}
				if strings.Contains(s.name, "xxxxxxxx") && !strings.Contains(s.name, "stop") {
					require.Contains(t, s.text, count, "%s: the byte count is formatted for the language", s.name)
					continue
				}
				require.NotRegexp(t, grouped, s.text, "%s: an id or a code grouped like a count", s.name)
			}
		})
	}
}

// The help lists the Chinese verbs in both languages, each beside the
// English verb it stands for.
func TestHelpListsTheAliases(t *testing.T) {
	t.Parallel()
	for _, tag := range []language.Tag{English, Chinese} {
		help := newWords(tag).helpText("/polyv", "")
		for _, a := range verbAliases {
			require.Contains(t, help, "`"+a.alias+"` ("+string(a.verb)+")", tag.String())
		}
	}
}

// The messages with buttons, in Chinese, for the longest command: within
// Block Kit's limits counted in characters, as Slack counts them (a Chinese
// character is one, though UTF-8 spends three bytes on it).
func TestChineseBlocksWithinLimits(t *testing.T) {
	t.Parallel()
	zh := newWords(Chinese)
	req := Request{ID: strings.Repeat("e", 40), User: "U0123456789AB", Channel: "C0123456789AB", Slash: "/polyv-operations",
		Command: Command{Verb: VerbBan, ChannelIDs: make([]int64, MaxChannels), Reason: strings.Repeat("停", MaxReasonRunes)}}
	for i := range req.Command.ChannelIDs {
		req.Command.ChannelIDs[i] = MaxChannelID - int64(i)
	}
	token := newApprovals(true, nil, time.Hour, nil, time.Now).tickets.issue(req)
	ids := req.Command.ChannelIDs
	for name, blocks := range map[string][]slack.Block{
		"prompt":   promptBlocks(zh, req, zh.promptText(req, nil, time.Hour), token),
		"approval": approvalBlocks(zh, zh.approvalRequestText(req, nil, time.Now(), time.Hour, true), token),
		"cut-off":  offerBlocks(zh, zh.cutoffOfferText(req.Slash, ids, nil, stillLive, true, true), token, ids),
	} {
		require.Empty(t, blockKitProblems(blocks, nil), name)
	}
	text := zh.promptText(req, nil, time.Hour)
	require.Greater(t, len(text), maxSectionText, "over the limit in bytes")
	section := promptBlocks(zh, req, text, token)[0].(*slack.SectionBlock)
	require.Equal(t, text, section.Text.Text, "within it in characters, so not cut")
}
