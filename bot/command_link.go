package bot

import (
	"net/url"
	"strings"
)

// A channel may be named by a pasted link to its Polyv watch page or its
// page in the Polyv console; these read the id out of such a link.

// isLink reports a web link as typed (`https://…`), as Slack formats it
// (`<https://…>`, `<https://…|label>`), or a Polyv address without a scheme.
func isLink(field string) bool {
	s := strings.TrimPrefix(field, "<")
	if hasHTTPScheme(s) {
		return true
	}
	host, _, found := strings.Cut(s, "/")
	return found && isPolyvHost(host)
}

func hasHTTPScheme(s string) bool {
	for _, scheme := range []string{"http://", "https://"} {
		if len(s) >= len(scheme) && asciiLower(s[:len(scheme)]) == scheme {
			return true
		}
	}
	return false
}

// parseLink reads the channel id from a link to a Polyv watch page
// (live.polyv.cn/watch/<id>, the older live.polyv.net/watch/<id>.htm, the
// splash page /splash/<id>) or to a channel in the Polyv console, whose
// pages are routes after the # (live.polyv.net/#/channel/<id>/playback).
// Any other link is refused: guessing which number in it is the channel
// could stop the wrong stream. The link is only read, never fetched.
func parseLink(verb Verb, field string, haveIDs bool) (int64, error) {
	raw := strings.TrimRight(field, ",")
	if inner, ok := strings.CutPrefix(raw, "<"); ok {
		inner = strings.TrimSuffix(inner, ">")
		raw, _, _ = strings.Cut(inner, "|") // the label is only what Slack shows
	}
	if !hasHTTPScheme(raw) {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.User != nil || !isPolyvHost(u.Hostname()) {
		if haveIDs {
			return 0, &UsageError{Problem: NotPolyvLink, Verb: verb, Arg: field}
		}
		return 0, &UsageError{Problem: NoChannelBadLink, Verb: verb, Arg: field}
	}
	seg, ok := linkChannelID(u)
	if !ok {
		return 0, &UsageError{Problem: LinkWithoutID, Verb: verb, Arg: field}
	}
	return parseID(seg)
}

// isPolyvHost accepts polyv.cn, polyv.net and their subdomains (watch pages
// may live on a customer's <name>.live.polyv.cn).
func isPolyvHost(host string) bool {
	host = strings.TrimSuffix(asciiLower(host), ".")
	for _, domain := range []string{"polyv.cn", "polyv.net"} {
		if host == domain || strings.HasSuffix(host, "."+domain) {
			return true
		}
	}
	return false
}

// linkChannelID returns the channel id a Polyv link shows, when it shows
// exactly one: in the path of a watch page or in the console's route.
func linkChannelID(u *url.URL) (string, bool) {
	var found []string
	path := strings.TrimSuffix(u.EscapedPath(), "/")
	for _, page := range []string{"/watch/", "/splash/"} {
		if rest, ok := strings.CutPrefix(path, page); ok && !strings.Contains(rest, "/") {
			found = append(found, strings.TrimSuffix(rest, ".htm"))
		}
	}
	if rest, ok := strings.CutPrefix(u.EscapedFragment(), "/channel/"); ok {
		seg, _, _ := strings.Cut(rest, "/")
		seg, _, _ = strings.Cut(seg, "?")
		found = append(found, seg)
	}
	if len(found) != 1 || !looksLikeID(found[0]) {
		return "", false
	}
	return found[0], true
}
