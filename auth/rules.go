package auth

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// Rules is the parsed permission configuration.
type Rules struct {
	Users    []string // explicit user IDs (U…/W…)
	Everyone bool     // ALLOWED_USERS contained "*" (explicit opt-in)
	Groups   []string // user-group IDs (S…)
	Channels []string // channel IDs (C…/G…); empty = any channel
}

// IDKind says which kind of Slack ID a list holds.
type IDKind int

const (
	// UserIDs are member IDs: U… or W… (Enterprise Grid).
	UserIDs IDKind = iota
	// GroupIDs are user-group IDs: S….
	GroupIDs
	// ChannelIDs are channel IDs: C… (public) or G… (private, legacy).
	ChannelIDs
)

// ParseRules parses ALLOWED_USERS, ALLOWED_USERGROUPS and ALLOWED_CHANNELS.
// It reports every bad entry at once (errors.Join), each naming the
// variable and the entry, and refuses a configuration with no users and no
// groups (naming both variables), so an empty configuration never means
// "everyone": that takes an explicit ALLOWED_USERS=*.
func ParseRules(users, groups, channels string) (Rules, error) {
	var r Rules
	var userErr, groupErr, chanErr error
	r.Users, r.Everyone, userErr = ParseIDList("ALLOWED_USERS", users, UserIDs)
	r.Groups, _, groupErr = ParseIDList("ALLOWED_USERGROUPS", groups, GroupIDs)
	r.Channels, _, chanErr = ParseIDList("ALLOWED_CHANNELS", channels, ChannelIDs)
	errs := []error{userErr, groupErr, chanErr}
	// A list that failed to parse is not "empty": its own errors say enough.
	if userErr == nil && groupErr == nil && !r.Everyone && len(r.Users) == 0 && len(r.Groups) == 0 {
		errs = append(errs, errors.New("ALLOWED_USERS and ALLOWED_USERGROUPS are both empty: "+
			"set at least one (member IDs U…/W…, user-group IDs S…, or ALLOWED_USERS=* to allow everyone)"))
	}
	if err := errors.Join(errs...); err != nil {
		return Rules{}, err
	}
	return r, nil
}

// ParseIDList parses one comma-separated list of IDs for the named
// variable (also used for STATUS_ALLOWED_USERS and
// STATUS_ALLOWED_USERGROUPS). Entries are trimmed, empty entries ignored and
// duplicates collapsed, keeping the first occurrence's order. "*" is
// accepted only for UserIDs and is returned as everyone=true, not as an ID.
// Every bad entry is reported (errors.Join), naming the variable and the
// entry and, for names, mentions and links, how to find the ID in Slack.
// Only a comma separates IDs: an entry holding IDs joined by anything else
// people type (white space, ";", "|", "/", or the "，" and "、" of Chinese and
// Japanese input) is refused with "separate IDs with commas", because
// guessing would silently accept a name with a space in it.
func ParseIDList(variable, value string, kind IDKind) (ids []string, everyone bool, err error) {
	var errs []error
	seen := make(map[string]bool)
	for _, raw := range strings.Split(value, ",") {
		entry := strings.TrimSpace(raw)
		switch {
		case entry == "" || seen[entry]:
			continue
		case entry == "*" && kind == UserIDs:
			everyone = true
		case kind.valid(entry):
			ids = append(ids, entry)
		default:
			errs = append(errs, fmt.Errorf("%s: %s", variable, kind.explain(entry)))
		}
		seen[entry] = true
	}
	if err := errors.Join(errs...); err != nil {
		return nil, false, err
	}
	return ids, everyone, nil
}

// Summary describes the rules for a help text or the startup log, e.g.
// "users U1, U2; members of S0123; in channels <#C1>" or
// "everyone (ALLOWED_USERS=*)". The <#C…> form renders as a channel link.
func (r Rules) Summary() string {
	var parts []string
	switch {
	case r.Everyone:
		parts = append(parts, "everyone (ALLOWED_USERS=*)")
	case len(r.Users) == 0 && len(r.Groups) == 0:
		parts = append(parts, "nobody")
	}
	if !r.Everyone && len(r.Users) > 0 {
		parts = append(parts, "users "+strings.Join(r.Users, ", "))
	}
	if !r.Everyone && len(r.Groups) > 0 {
		parts = append(parts, "members of "+strings.Join(r.Groups, ", "))
	}
	if len(r.Channels) > 0 {
		parts = append(parts, "in channels "+channelLinks(r.Channels))
	}
	return strings.Join(parts, "; ")
}

// Shapes of Slack IDs. IDs are upper-case letters and digits after a
// one-letter prefix that says what they identify.
var (
	userIDRe    = regexp.MustCompile(`^[UW][A-Z0-9]{2,}$`)
	groupIDRe   = regexp.MustCompile(`^S[A-Z0-9]{2,}$`)
	channelIDRe = regexp.MustCompile(`^[CG][A-Z0-9]{2,}$`)
	anyIDRe     = regexp.MustCompile(`^[UWSCG][A-Z0-9]{2,}$`)
	// mentionRe matches Slack's escaped forms: <@U123|alice>, <#C123|ops>,
	// <!subteam^S123|@oncall>. The label after "|" is optional.
	mentionRe = regexp.MustCompile(`^<(@|#|!subteam\^)([A-Za-z0-9]+)(?:\|[^>]*)?>$`)
)

// maxShownEntry bounds how much of a bad entry an error repeats, so a
// pasted blob does not flood the startup log.
const maxShownEntry = 40

// valid reports whether s has the shape of an ID of kind k.
func (k IDKind) valid(s string) bool {
	switch k {
	case UserIDs:
		return userIDRe.MatchString(s)
	case GroupIDs:
		return groupIDRe.MatchString(s)
	case ChannelIDs:
		return channelIDRe.MatchString(s)
	}
	return false
}

// noun names what an ID of kind k is called in Slack's UI.
func (k IDKind) noun() string {
	switch k {
	case GroupIDs:
		return "user-group ID (S…)"
	case ChannelIDs:
		return "channel ID (C…/G…)"
	}
	return "member ID (U…/W…)"
}

// howTo says where Slack shows an ID of kind k.
func (k IDKind) howTo() string {
	switch k {
	case GroupIDs:
		return "use the user-group ID (S…): in Slack open People › User groups, click the group, " +
			"the ID is the last part of the page URL (or call usergroups.list)"
	case ChannelIDs:
		return "use the channel ID (C…/G…): open the channel, click its name, " +
			"the ID is at the bottom of the About tab"
	}
	return `use the member ID (U…/W…): in Slack open the profile, ⋮ More, "Copy member ID"`
}

// explain says why entry is not a valid ID of kind k and how to fix it.
func (k IDKind) explain(entry string) string {
	switch {
	case looksLikeToken(entry):
		// Never repeat it: the whole point is that it must not reach a log.
		return "an entry looks like a Slack token; remove it at once (tokens belong in SLACK_BOT_TOKEN / SLACK_APP_TOKEN)"
	case entry == "*":
		return fmt.Sprintf(`"*" is accepted only in ALLOWED_USERS; list %ss`, k.noun())
	case mentionRe.MatchString(entry):
		return k.explainMention(entry)
	case strings.Contains(entry, "://"):
		return k.explainLink(entry)
	case joinsIDs(entry):
		return k.explainSeparators(entry)
	case anyIDRe.MatchString(entry):
		return fmt.Sprintf("%s is a %s, not a %s", quote(entry), kindOf(entry).noun(), k.noun())
	case idLike(entry) && k.valid(strings.ToUpper(entry)):
		return fmt.Sprintf("%s: Slack IDs are upper case (%s)", quote(entry), strings.ToUpper(entry))
	case idLike(entry):
		return fmt.Sprintf("%s is not a valid %s", quote(entry), k.noun())
	}
	return fmt.Sprintf("%s is a name; %s", quote(entry), k.howTo())
}

// otherSeparators are what people put between IDs instead of a comma,
// besides white space.
const otherSeparators = ";；|/，、"

func isSeparator(r rune) bool {
	return unicode.IsSpace(r) || strings.ContainsRune(otherSeparators, r)
}

// joinsIDs reports whether entry is several IDs (or mistyped IDs) joined by
// something other than a comma. A name with a space ("Alice Smith") is not:
// it gets the message for names.
func joinsIDs(entry string) bool {
	fields := strings.FieldsFunc(entry, isSeparator)
	if len(fields) == 1 && fields[0] == entry {
		return false
	}
	for _, f := range fields {
		if anyIDRe.MatchString(f) || idLike(f) || mentionRe.MatchString(f) {
			return true
		}
	}
	return false
}

// explainSeparators names the separators found in entry and, when every
// part is an ID of kind k, shows the list as it should be written.
func (k IDKind) explainSeparators(entry string) string {
	var names []string
	for _, r := range entry {
		if name := separatorName(r); name != "" && !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	msg := fmt.Sprintf("%s contains %s; separate IDs with commas", quote(entry), strings.Join(names, " and "))
	fields := strings.FieldsFunc(entry, isSeparator)
	fixed := strings.Join(fields, ",")
	if len(fixed) <= 4*maxShownEntry && !slices.ContainsFunc(fields, func(f string) bool { return !k.valid(f) }) {
		msg += ": " + fixed
	}
	return msg
}

// separatorName says how a message names r, or "" when r is not a
// separator.
func separatorName(r rune) string {
	switch {
	case r == '\t':
		return "a tab"
	case r == '\n' || r == '\r':
		return "a line break"
	case unicode.IsSpace(r):
		return "a space"
	case isSeparator(r):
		return strconv.Quote(string(r))
	}
	return ""
}

// explainLink handles a pasted Slack link such as
// https://acme.slack.com/archives/C0123 or …/team/U0123: it names the ID at
// its end when that ID is of the right kind.
func (k IDKind) explainLink(entry string) string {
	msg := fmt.Sprintf("%s is a link, not an ID; %s", quote(entry), k.howTo())
	path, _, _ := strings.Cut(entry, "?")
	path = strings.TrimRight(path, "/")
	if id := path[strings.LastIndex(path, "/")+1:]; k.valid(id) {
		msg += fmt.Sprintf(" (here probably %s)", id)
	}
	return msg
}

// explainMention handles a pasted mention such as <@U123|alice>: it names
// the ID inside when that ID is of the right kind, since that is almost
// certainly what the operator meant.
func (k IDKind) explainMention(entry string) string {
	id := mentionRe.FindStringSubmatch(entry)[2]
	msg := fmt.Sprintf("%s is a mention, not an ID; %s", quote(entry), k.howTo())
	if k.valid(id) {
		msg += fmt.Sprintf(" (here probably %s)", id)
	}
	return msg
}

// kindOf guesses the kind of a well-formed ID from its prefix.
func kindOf(id string) IDKind {
	switch id[0] {
	case 'S':
		return GroupIDs
	case 'C', 'G':
		return ChannelIDs
	}
	return UserIDs
}

// looksLikeToken catches Slack tokens pasted into the wrong variable,
// anywhere in an entry: "U0123;xoxb-…" must not be quoted back either.
func looksLikeToken(s string) bool {
	return strings.Contains(s, "xox") || strings.Contains(s, "xapp-")
}

// quote quotes an entry for an error message, shortening long ones.
func quote(s string) string {
	if r := []rune(s); len(r) > maxShownEntry {
		s = string(r[:maxShownEntry]) + "…"
	}
	return fmt.Sprintf("%q", s)
}

// idLike reports whether s looks like a mistyped ID rather than a name:
// only ASCII letters and digits, with at least one digit (names such as
// "walter" have none, real IDs nearly always do).
func idLike(s string) bool {
	digit := false
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
			digit = true
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		default:
			return false
		}
	}
	return digit
}

// channelLinks renders IDs as Slack channel links: "<#C1>, <#C2>".
func channelLinks(ids []string) string {
	var b strings.Builder
	for i, id := range ids {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("<#" + id + ">")
	}
	return b.String()
}
