package polyv

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzOutcomeKeys: the walker never panics or loops on any bytes, and on
// valid JSON it finds a repeated outcome key exactly when a walk with
// encoding/json's own tokenizer does.
func FuzzOutcomeKeys(f *testing.F) {
	f.Add([]byte(`{"code":400,"status":"error","code":200}`))
	f.Add([]byte(`{"code":200,"error":{"desc":"a","DESC":"b"},"data":[{"channelId":1,"liveStatus":"x","LiveStatus":"y"}]}`))
	f.Add([]byte(`{"a":{"code":1,"code":2},"b":["code","code"],"c":"\"code\":1,","d":1e5,"e":null}`))
	f.Add([]byte(`{"\u0063ode":1,"code":2,"ſtatus":"x","status":"y"}`))
	f.Add([]byte(`[{"channelId":1},{"channelid":1,"channelId":2},3,"x",null]`))
	f.Add([]byte(`{"code":1,:,}]]"`))
	f.Fuzz(func(t *testing.T, b []byte) {
		top := envelopeKeys.repeated(b)
		rows := repeatedInRows(b)
		if !json.Valid(b) {
			return
		}
		require.Equal(t, refRepeat(t, b, "object"), top != "", "top: %q", top)
		require.Equal(t, refRepeat(t, b, "rows"), rows != "", "rows: %q", rows)
	})
}

// refRepeat walks b with json.Decoder: "object" checks b as an envelope
// (its error object included), "rows" checks each object in b as a row.
func refRepeat(t *testing.T, b []byte, as string) bool {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber() // a valid answer may carry a number no float64 holds
	found := false
	var walk func(fields []string, nested map[string][]string)
	walk = func(fields []string, nested map[string][]string) {
		tok, err := dec.Token()
		require.NoError(t, err)
		d, isDelim := tok.(json.Delim)
		switch {
		case !isDelim:
			return
		case d == '[':
			for dec.More() {
				walk(nil, nil) // objects in arrays carry no outcome
			}
		case d == '{':
			seen := map[string]bool{}
			for dec.More() {
				k, err := dec.Token()
				require.NoError(t, err)
				field := ""
				for _, f := range fields {
					if strings.EqualFold(k.(string), f) {
						field = f
					}
				}
				found = found || (field != "" && seen[field])
				seen[field] = field != ""
				walk(nested[field], nil)
			}
		}
		_, err = dec.Token()
		require.NoError(t, err)
	}
	if as == "rows" {
		tok, err := dec.Token()
		require.NoError(t, err)
		if tok != json.Delim('[') {
			return false
		}
		for dec.More() {
			walk([]string{"channelId", "liveStatus"}, nil)
		}
		return found
	}
	walk(envelopeKeys.fields, map[string][]string{"error": {"code", "desc"}})
	return found
}
