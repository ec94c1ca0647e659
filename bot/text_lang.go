package bot

import (
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

// The languages the bot speaks (LANGUAGE). Every wording function is a
// method of words, whose printer looks each English format string up in
// the catalogue (text_zh.go) and formats numbers for the language: the
// decisions are made once, in English, and only their format strings are
// translated.
var (
	English = language.English
	Chinese = language.MustParse("zh-CN")
)

// Languages are the LANGUAGE values the bot accepts, the default first.
var Languages = []string{"en", "zh-CN"}

// ParseLanguage reads a LANGUAGE value: "en" or "zh-CN", in any letter
// case and with "_" for "-" (zh_CN), as locales are often written; "" is
// English. LANGUAGE is also gettext's list of languages ("zh_CN:en"), set
// on many systems, so a list is read as gettext reads it: the first entry
// the bot speaks wins, and English counts in any region (en_US).
func ParseLanguage(s string) (language.Tag, error) {
	if strings.TrimSpace(s) == "" {
		return English, nil
	}
	for _, entry := range strings.Split(s, ":") {
		switch e := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(entry), "_", "-")); {
		case e == "zh-cn" || e == "zh-hans" || e == "zh-hans-cn" || e == "zh":
			return Chinese, nil
		case e == "en" || strings.HasPrefix(e, "en-"):
			return English, nil
		}
	}
	return language.Und, fmt.Errorf("must be %s, got %q", strings.Join(Languages, " or "), s)
}

// words is the bot's voice in one language. The zero value speaks English.
type words struct{ p *message.Printer }

// english words what must stay English whatever LANGUAGE says: an error's
// Error text and the log's summary line, which operators grep.
var english = newWords(English)

func newWords(tag language.Tag) words {
	if tag == language.Und {
		tag = English
	}
	return words{p: message.NewPrinter(tag, message.Catalog(catalogue))}
}

// f formats an English format string (a literal, or a phrase from a
// table) in the language. Counts are formatted for the language; channel
// ids and codes go through digits, which never groups them.
func (wd words) f(format string, a ...any) string {
	if wd.p == nil {
		return english.p.Sprintf(format, a...)
	}
	return wd.p.Sprintf(format, a...)
}

// phrase marks a string in a table (a verb's words, a fix for a Polyv
// failure) as a catalogue key, translated where it is worded through f.
// The completeness test finds them by this call.
func phrase(s string) string { return s }

// digits is a number as typed or as sent (a channel id, an HTTP status, a
// Polyv code): printed as its digits, never grouped like a count ("10,001"
// is not a channel id).
type digits int64

func (d digits) Format(f fmt.State, _ rune) {
	_, _ = f.Write(strconv.AppendInt(nil, int64(d), 10))
}

// catalogue holds every translation: the English format strings are the
// keys, and English itself needs no entry.
var catalogue = func() *catalog.Builder {
	b := catalog.NewBuilder(catalog.Fallback(English))
	for key, zh := range zhCN {
		if err := b.SetString(Chinese, key, zh); err != nil {
			panic(fmt.Sprintf("bot: the Chinese catalogue entry for %q: %v", key, err))
		}
	}
	return b
}()
