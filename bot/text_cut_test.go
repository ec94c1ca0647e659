package bot

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func TestTruncate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, s string
		n       int
		want    string
	}{
		{"short", "Stop stream", 75, "Stop stream"},
		{"exactly the limit", "abcde", 5, "abcde"},
		{"cut", "abcdef", 5, "abcd…"},
		{"characters, not bytes", "长长长长长长", 5, "长长长长…"},
		{"never inside an escape", "ab &amp; cd", 6, "ab …"},
		{"never inside &lt;", "ab &lt; cd", 6, "ab …"},
		{"after a whole escape", "&amp;&amp;&amp;", 11, "&amp;&amp;…"},
		{"a plain ampersand stays", "Q&A session", 6, "Q&A s…"},
		{"an ampersand far back stays", "Q&A session about", 12, "Q&A session…"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := truncate(tc.s, tc.n)
			require.Equal(t, tc.want, got)
			require.LessOrEqual(t, utf8.RuneCountInString(got), tc.n)
		})
	}
}

func TestQuote(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, s, want string }{
		{"escaped", "<@U1>&", "&lt;@U1&gt;&amp;"},
		{"backtick and control", "a`b\x07", "a'b?"},
		{"40 characters whole", strings.Repeat("x", 40), strings.Repeat("x", 40)},
		// An ellipsis in place of the last character would hide it and
		// save nothing.
		{"41 characters whole", strings.Repeat("x", 41), strings.Repeat("x", 41)},
		{"42 characters cut", strings.Repeat("x", 42), strings.Repeat("x", 40) + "…"},
		{"cut before escaping", strings.Repeat("<", 50), strings.Repeat("&lt;", 40) + "…"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, quote(tc.s))
		})
	}
}
