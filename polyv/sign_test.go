package polyv_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/polyv"
)

type signVector struct {
	Name      string            `json:"name"`
	Params    map[string]string `json:"params"`
	AppSecret string            `json:"appSecret"`
	Method    string            `json:"method"`
	Sign      string            `json:"sign"`
}

func TestSignVectors(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("testdata/polyv-sign-vectors.json")
	require.NoError(t, err)
	var vectors []signVector
	require.NoError(t, json.Unmarshal(raw, &vectors))
	require.GreaterOrEqual(t, len(vectors), 10, "the vector file lost entries")
	for _, v := range vectors {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, v.Sign, polyv.Sign(v.Params, v.AppSecret))
		})
	}
}

func TestSignRules(t *testing.T) {
	t.Parallel()
	base := map[string]string{"appId": "g4rqgmmjuo", "timestamp": "1660270926732", "channelId": "2477096"}
	const secret = "fsq2k5weced1h8vui657xtdva66whf0g"
	want := polyv.Sign(base, secret)
	tests := []struct {
		name  string
		extra map[string]string
		same  bool
	}{
		{"existing sign is ignored", map[string]string{"sign": "ABC"}, true},
		{"whitespace-only value is skipped", map[string]string{"desc": " \t"}, true},
		{"non-blank value counts", map[string]string{"desc": " x "}, false},
		// Java's Character.isWhitespace, not Go's unicode.IsSpace, decides.
		{"Java whitespace: ideographic space and separators", map[string]string{"desc": "\u3000\u2028\u001f\v"}, true},
		{"no-break space is not blank in Java", map[string]string{"desc": "\u00a0"}, false},
		{"narrow no-break space is not blank in Java", map[string]string{"desc": "\u202f"}, false},
		{"NEL is not blank in Java", map[string]string{"desc": "\u0085"}, false},
		{"lower-case sha256 is not SHA-256", map[string]string{"signatureMethod": "sha256"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := map[string]string{}
			for k, v := range base {
				p[k] = v
			}
			for k, v := range tc.extra {
				p[k] = v
			}
			got := polyv.Sign(p, secret)
			require.Len(t, got, 32)
			require.Equal(t, tc.same, got == want, "Sign = %s; base sign %s", got, want)
		})
	}
}

func TestParseSignatureMethod(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    polyv.SignatureMethod
		wantErr bool
	}{
		{"", polyv.MD5, false},
		{"MD5", polyv.MD5, false},
		{"md5", polyv.MD5, false},
		{"SHA256", polyv.SHA256, false},
		{"Sha256", polyv.SHA256, false},
		{"SHA-256", "", true},
		{"sha1", "", true},
	}
	for _, tc := range tests {
		got, err := polyv.ParseSignatureMethod(tc.in)
		if tc.wantErr {
			require.Error(t, err, "input %q", tc.in)
			require.Contains(t, err.Error(), "MD5")
			require.Contains(t, err.Error(), "SHA256")
			continue
		}
		require.NoError(t, err, "input %q", tc.in)
		require.Equal(t, tc.want, got)
	}
}

func TestDescribe(t *testing.T) {
	t.Parallel()
	tests := map[polyv.LiveStatus]string{
		polyv.StatusLive:     "live (streaming now)",
		polyv.StatusEnd:      "ended",
		polyv.StatusUnstart:  "not started",
		polyv.StatusWaiting:  "waiting",
		polyv.StatusPlayback: "playback",
		polyv.StatusBanpush:  "banned from pushing",
		"paused\n":           `unknown status "paused"`,
	}
	for st, want := range tests {
		require.Equal(t, want, st.Describe())
	}
}

func BenchmarkSign(b *testing.B) {
	params := map[string]string{"appId": "g4rqgmmjuo", "timestamp": "1660270926732", "channelId": "2477096"}
	const secret = "fsq2k5weced1h8vui657xtdva66whf0g"
	b.Run("MD5", func(b *testing.B) {
		p := map[string]string{"sign": "x"}
		for k, v := range params {
			p[k] = v
		}
		b.ReportAllocs()
		for b.Loop() {
			polyv.Sign(p, secret)
		}
	})
	b.Run("SHA256", func(b *testing.B) {
		p := map[string]string{"signatureMethod": "SHA256"}
		for k, v := range params {
			p[k] = v
		}
		b.ReportAllocs()
		for b.Loop() {
			polyv.Sign(p, secret)
		}
	})
}

func FuzzParseSignatureMethod(f *testing.F) {
	f.Add("SHA256")
	f.Add("md5")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		m, err := polyv.ParseSignatureMethod(s)
		if err != nil {
			require.Empty(t, m)
			require.Contains(t, err.Error(), "accepted values are MD5")
			return
		}
		require.Contains(t, []polyv.SignatureMethod{polyv.MD5, polyv.SHA256}, m)
	})
}
