package auth

import (
	"strings"
	"testing"
)

func FuzzParseIDList(f *testing.F) {
	for _, seed := range []string{"", "*", "U0123ABC,W0456DEF", " U1A , ,U1A", "@alice", "<@U123|alice>", "<#C123|ops>",
		"<!subteam^S123|@oncall>", "u123", "U1", "xoxb-1-2", "U1A U2B", "S1A,*,C1A,G2B"} {
		for kind := range 3 {
			f.Add(seed, uint8(kind))
		}
	}
	f.Fuzz(func(t *testing.T, value string, k uint8) {
		kind := IDKind(k % 3)
		ids, everyone, err := ParseIDList("ALLOWED_X", value, kind)
		if err != nil {
			if ids != nil || everyone {
				t.Fatalf("error %q came with ids=%q everyone=%v", err, ids, everyone)
			}
			if !strings.HasPrefix(err.Error(), "ALLOWED_X: ") {
				t.Fatalf("error %q does not name the variable", err)
			}
			return
		}
		if everyone && kind != UserIDs {
			t.Fatalf("everyone for kind %d", kind)
		}
		seen := map[string]bool{}
		for _, id := range ids {
			if !kind.valid(id) || !anyIDRe.MatchString(id) {
				t.Fatalf("id %q does not have the shape of kind %d", id, kind)
			}
			if seen[id] {
				t.Fatalf("duplicate id %q", id)
			}
			seen[id] = true
		}
	})
}
