package polyv_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/polyv"
)

// TestRepeatedOutcomeKeys: encoding/json keeps the last of two keys that
// match one field (in any letter case), so a repeated outcome key would let
// the end of an answer overrule its beginning. Such an answer is unreadable.
func TestRepeatedOutcomeKeys(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		text string // in the error; "" for an answer that must stay a success
	}{
		{name: "refusal then success", body: `{"code":400,"status":"error","message":"x","code":200,"status":"success"}`, text: `key "code" given twice`},
		{name: "code in two letter cases", body: `{"Code":400,"status":"success","code":200}`, text: `key "code" given twice (as "Code" and "code")`},
		{name: "same status twice", body: `{"code":200,"status":"success","status":"success"}`, text: `key "status" given twice`},
		{name: "status with a long s", body: `{"code":200,"status":"error","ſtatus":"success"}`, text: `key "status" given twice (as "status" and "ſtatus")`},
		{name: "escaped key", body: `{"code":400,"\u0063ode":200,"status":"success"}`, text: `key "code" given twice`},
		{name: "message", body: `{"code":200,"status":"success","message":"a","MESSAGE":"b"}`, text: `key "message" given twice`},
		{name: "data", body: `{"code":200,"status":"success","data":"","data":[]}`, text: `key "data" given twice`},
		{name: "success", body: `{"code":200,"status":"success","success":false,"success":true}`, text: `key "success" given twice`},
		{name: "error", body: `{"code":200,"status":"success","error":{"desc":"no"},"error":null}`, text: `key "error" given twice`},
		{name: "error code", body: `{"code":400,"status":"error","error":{"code":20001,"code":0,"desc":"x"}}`, text: `key "error.code" given twice`},
		{name: "error desc", body: `{"code":400,"status":"error","error":{"desc":"application not found.","Desc":""}}`, text: `key "error.desc" given twice (as "desc" and "Desc")`},

		// Repeats that carry no outcome change nothing.
		{name: "requestId twice", body: `{"code":200,"status":"success","requestId":"a","requestId":"b"}`},
		{name: "inside data", body: `{"code":200,"status":"success","data":{"code":1,"code":2}}`},
		{name: "inside an unknown object", body: `{"code":200,"status":"success","extra":{"status":"error","status":"x"}}`},
		{name: "one of each, any case", body: `{"CODE":200,"Status":"success","Success":true,"Error":null,"Message":"","Data":""}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, op := range []string{"stop-pull-stream", "live-status"} {
				_, err := polyv.DecodeResponse(op, 200, []byte(tc.body))
				if tc.text == "" {
					require.NoError(t, err)
					continue
				}
				require.ErrorIs(t, err, polyv.ErrBadResponse, "err = %v", err)
				require.Contains(t, err.Error(), "polyv "+op+": unreadable answer (HTTP 200): ")
				require.Contains(t, err.Error(), tc.text)
				checkErrorText(t, err)
			}
		})
	}
}

func TestRepeatedRowKeys(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		rows string
		text string // in the error; "" when the rows are read
	}{
		{name: "live then end", rows: `[{"channelId":1,"liveStatus":"live","liveStatus":"end"}]`, text: `key "data[0].liveStatus" given twice`},
		{name: "in the second row", rows: `[{"channelId":1,"liveStatus":"live"},{"channelId":2,"liveStatus":"live","LiveStatus":"end"}]`, text: `key "data[1].liveStatus" given twice (as "liveStatus" and "LiveStatus")`},
		{name: "channelId", rows: `[{"channelId":1,"channelId":2,"liveStatus":"end"}]`, text: `key "data[0].channelId" given twice`},
		{name: "channelId in two cases", rows: `[{"channelid":1,"channelId":1,"liveStatus":"end"}]`, text: `key "data[0].channelId" given twice`},

		{name: "other keys twice", rows: `[{"channelId":1,"liveStatus":"end","name":"a","name":"b"}]`},
		{name: "one key per row", rows: `[{"channelId":1,"liveStatus":"end"},{"channelId":2,"liveStatus":"live"}]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			body := `{"code":200,"status":"success","data":` + tc.rows + `,"success":true}`
			got, err := polyv.DecodeLiveStatus(200, []byte(body))
			if tc.text == "" {
				require.NoError(t, err)
				require.NotEmpty(t, got)
				return
			}
			require.Nil(t, got)
			require.ErrorIs(t, err, polyv.ErrBadResponse, "err = %v", err)
			require.Contains(t, err.Error(), "polyv live-status: unreadable answer (HTTP 200): "+tc.text)
			checkErrorText(t, err)
		})
	}
}
