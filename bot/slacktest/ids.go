package slacktest

import (
	"crypto/rand"
	"fmt"
)

// Slack's identifiers are long, and a bot that builds a field from one (a
// block_id from an envelope id, say) must stay within Block Kit's limits
// with the real lengths; so the fake hands out identifiers shaped like
// Slack's rather than short counters.

// newEnvelopeID returns a random version 4 UUID, the shape of Slack's
// envelope ids: 36 characters, such as "1d1c4e5a-9f1b-4c3e-8a7d-2b6f0e9c3a41".
func newEnvelopeID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails: crypto/rand panics instead
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// newTriggerID returns a trigger_id shaped like Slack's, two numbers and 32
// hex digits, 57 characters in all: "1700000000007.4911806113.5d0c…".
func newTriggerID(seq int) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%013d.%010d.%x", 1_700_000_000_000+seq, 4_911_806_113, b)
}

// responseURLPath returns the path of a slash command's response_url,
// shaped like Slack's "/commands/<team>/<13 digits>/<24 characters>" so that
// the whole URL is about as long as a real one (about 80 characters).
func responseURLPath(team string, seq int) string {
	return fmt.Sprintf("/response/%s/%013d/%s", team, 7_300_000_000_000+seq, randomToken(24))
}

// randomToken returns n random letters and digits.
func randomToken(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
