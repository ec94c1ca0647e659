package polyv

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// Markers the fuzz seeds put where Polyv puts what no error may quote.
const (
	fuzzSecret   = "fuzz-APPSECRET-9f3a"
	fuzzPassword = "PASSWD-MARK-77"
	fuzzToken    = "PULLTOKEN-MARK-55"
	fuzzEmail    = "EMAIL-MARK-33"
)

func FuzzDecodeChannelInfo(f *testing.F) {
	f.Add(200, []byte(`{"code":200,"status":"success","message":"","data":{"channelId":10001,"name":"<!channel> \u202epwn","channelPasswd":"`+fuzzPassword+`","publisher":"host"}}`))
	f.Add(200, []byte(`{"code":200,"status":"success","data":{"channelId":"10001","name":"a","Name":"b","channelPasswd":"`+fuzzPassword+`"}}`))
	f.Add(200, []byte(`{"code":200,"status":"success","data":null}`))
	f.Add(403, []byte(`{"code":403,"status":"error","message":"illegal channel id: 10001","data":""}`))
	f.Add(200, []byte(`{"channelPasswd":"`+fuzzPassword+`"}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		info, err := decodeChannelInfo(10001, status, body, redactor(fuzzSecret))
		checkFuzzError(t, err, body, `"channelPasswd":"`+fuzzPassword)
		if err != nil {
			require.Equal(t, ChannelInfo{}, info)
			return
		}
		require.True(t, status >= 200 && status < 300, "success under HTTP %d", status)
		require.Equal(t, int64(10001), info.ID)
		for _, s := range []string{info.Name, info.Publisher} {
			require.LessOrEqual(t, len(s), MaxNameBytes)
			checkFuzzText(t, s)
			for _, r := range s {
				require.False(t, unicode.Is(unicode.Cf, r), "%U in %q", r, s)
			}
			require.NotContains(t, s, fuzzSecret)
		}
	})
}

func FuzzDecodeStreamType(f *testing.F) {
	f.Add(200, []byte(`{"code":200,"status":"success","data":{"streamType":"client","pullUrl":""}}`))
	f.Add(200, []byte(`{"code":200,"status":"success","data":{"streamType":"THIRDPULL","pullUrl":"rtmp://x?token=`+fuzzToken+`"}}`))
	f.Add(200, []byte(`{"code":200,"status":"success","data":{"streamType":"cli\u200bent"}}`))
	f.Add(200, []byte(`{"code":200,"status":"success","data":{"streamType":"pull","streamtype":"client","pullUrl":"rtmp://x?token=`+fuzzToken+`"}}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		st, err := decodeStreamType(status, body, redactor(fuzzSecret))
		checkFuzzError(t, err, body, `token=`+fuzzToken)
		if err != nil {
			require.Empty(t, st)
			return
		}
		require.False(t, st.Pushed() && st.Pulled(), "%q is both", st)
		if st.Pushed() || st.Pulled() {
			var env struct {
				Data struct {
					StreamType string `json:"streamType"`
				} `json:"data"`
			}
			require.NoError(t, json.Unmarshal(body, &env))
			require.True(t, equalFoldASCII(env.Data.StreamType, string(st)), "%q proves what %q does not say", st, env.Data.StreamType)
		}
		checkFuzzText(t, st.Shown())
	})
}

func FuzzDecodeViewers(f *testing.F) {
	f.Add(200, []byte(`{"code":200,"status":"success","message":"","data":[{"channelId":1,"time":"15:39:10","count":"1234"},{"channelId":1,"time":"15:39:00","count":"7"}]}`))
	f.Add(200, []byte(`{"code":200,"status":"success","data":[{"channelId":"2","count":0},{"channelId":3,"count":"0012"}]}`))
	f.Add(200, []byte(`{"code":200,"status":"success","data":[{"channelId":1,"count":"-1"}]}`))
	f.Add(200, []byte(`{"code":200,"status":"success","data":[{"channelId":1,"count":"1","Count":"2"}]}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		got, err := decodeViewers(status, body, redactor(fuzzSecret))
		checkFuzzError(t, err, body, "")
		if err != nil {
			require.Nil(t, got)
			return
		}
		var env struct {
			Data []viewerRow `json:"data"`
		}
		require.NoError(t, json.Unmarshal(body, &env))
		for id, n := range got {
			require.GreaterOrEqual(t, n, 0)
			first := slices.IndexFunc(env.Data, func(r viewerRow) bool { return int64(r.ChannelID) == id })
			require.GreaterOrEqual(t, first, 0, "a count for channel %d, which no row names", id)
			sent := string(env.Data[first].Count)
			if strings.HasPrefix(sent, `"`) {
				require.NoError(t, json.Unmarshal(env.Data[first].Count, &sent))
			}
			want, err := strconv.Atoi(sent)
			require.NoError(t, err, "channel %d: count %q kept as %d", id, sent, n)
			require.Equal(t, want, n, "channel %d: not the count its first row sent", id)
		}
	})
}

// viewerRow is a row of get-realtime-viewers as the test reads it.
type viewerRow struct {
	ChannelID flexInt         `json:"channelId"`
	Count     json.RawMessage `json:"count"`
}

func FuzzDecodeDone(f *testing.F) {
	f.Add(200, []byte(`{"code":200,"status":"success","message":"","data":"success"}`))
	f.Add(200, []byte(`{"code":200,"status":"success","message":"","data":""}`))
	f.Add(200, []byte(`{"code":200,"status":"SUCCESS","data":"SUCCESS"}`))
	f.Add(403, []byte(`{"code":403,"status":"error","message":"illegal userId.","data":""}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		err := decodeDone(epCutoff.op, status, body, redactor(fuzzSecret))
		checkFuzzError(t, err, body, "")
		if err != nil {
			return
		}
		require.True(t, status >= 200 && status < 300, "success under HTTP %d", status)
		var env struct {
			Code   flexInt `json:"code"`
			Status string  `json:"status"`
			Data   string  `json:"data"`
		}
		require.NoError(t, json.Unmarshal(body, &env))
		require.EqualValues(t, 200, env.Code)
		require.True(t, equalFoldASCII(env.Status, "success"), "status %q", env.Status)
		require.True(t, equalFoldASCII(env.Data, "success"), "data %q", env.Data)
	})
}

func FuzzDecodeUserID(f *testing.F) {
	f.Add(200, []byte(`{"code":200,"status":"success","data":{"userId":"1b448be323","email":"`+fuzzEmail+`","maxChannels":100}}`))
	f.Add(200, []byte(`{"code":200,"status":"success","data":{"userId":"a","UserId":"b","email":"`+fuzzEmail+`"}}`))
	f.Add(200, []byte(`{"code":200,"status":"success","data":{"email":"`+fuzzEmail+`"}}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		id, err := decodeUserID(status, body, redactor(fuzzSecret))
		checkFuzzError(t, err, body, `"email":"`+fuzzEmail)
		if err != nil {
			require.Empty(t, id)
			return
		}
		var env struct {
			Data struct {
				UserID string `json:"userId"`
			} `json:"data"`
		}
		require.NoError(t, json.Unmarshal(body, &env))
		require.Equal(t, env.Data.UserID, id, "the userId as sent")
	})
}

// checkFuzzError: a decode error is an *APIError whose text is short,
// printable and without the secret; when every place hidden appears in a
// body that looks like JSON is the value of a key no error may quote, the
// text does not quote it either.
func checkFuzzError(t *testing.T, err error, body []byte, hidden string) {
	t.Helper()
	if err == nil {
		return
	}
	var ae *APIError
	require.True(t, errors.As(err, &ae), "decode errors are *APIError: %v", err)
	checkFuzzText(t, err.Error())
	require.NotContains(t, err.Error(), fuzzSecret)
	if hidden == "" {
		return
	}
	marker := hidden[strings.LastIndex(hidden, ":")+1:]
	marker = strings.TrimPrefix(strings.TrimPrefix(marker, `"`), "token=")
	t0 := bytes.TrimLeft(body, " \t\r\n")
	if len(t0) == 0 || (t0[0] != '{' && t0[0] != '[') {
		return
	}
	if bytes.Count(body, []byte(marker)) == bytes.Count(body, []byte(hidden)) {
		require.NotContains(t, err.Error(), marker, "an answer's %s was quoted", hidden)
	}
}

func checkFuzzText(t *testing.T, s string) {
	t.Helper()
	require.LessOrEqual(t, len(s), 600, "text too long: %d bytes", len(s))
	require.True(t, utf8.ValidString(s), "invalid UTF-8: %q", s)
	for _, r := range s {
		require.False(t, unicode.IsControl(r), "control character %U in %q", r, s)
	}
}
