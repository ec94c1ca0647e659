package polyv

import (
	"net/http"
	"strconv"
	"strings"
)

// endpoint describes one Polyv call. Every call goes through the same
// machinery (see runWith); only what differs between calls is here.
type endpoint struct {
	op      string // the call's name in errors, observer events and logs
	method  string // GET sends the parameters in the query, POST as a form
	path    string // channelSlot stands for the channel id where the path names one
	changes bool   // the call changes something: a dry run signs and logs it instead
	// private: the answers of this call hold what an error must never quote
	// (channel passwords, viewing keys, a pull URL's credentials, the
	// account's email), so an error shows no excerpt of a JSON body.
	private bool
}

// channelSlot is where an endpoint's path takes the channel id.
const channelSlot = "{channelId}"

// The calls the client makes.
var (
	epStop = &endpoint{op: "stop-pull-stream", method: http.MethodPost,
		path: "/live/v3/channel/stream/stop-pull-stream", changes: true}
	epStatus = &endpoint{op: "live-status", method: http.MethodGet,
		path: "/live/v4/channel/live-status/list"}
	epInfo = &endpoint{op: "channel-info", method: http.MethodGet,
		path: "/live/v3/channel/basic/get", private: true}
	epViewers = &endpoint{op: "realtime-viewers", method: http.MethodGet,
		path: "/live/v2/statistics/get-realtime-viewers"}
	epStreamType = &endpoint{op: "stream-type", method: http.MethodGet,
		path: "/live/v3/channel/stream/get", private: true}
	epCutoff = &endpoint{op: "cutoff", method: http.MethodPost,
		path: "/live/v2/stream/" + channelSlot + "/cutoff", changes: true}
	epResume = &endpoint{op: "resume", method: http.MethodPost,
		path: "/live/v2/stream/" + channelSlot + "/resume", changes: true}
	epUserInfo = &endpoint{op: "user-info", method: http.MethodGet,
		path: "/live/v3/user/get-info", private: true}
)

// byOp finds an endpoint by its op, for the decoders that only know the op.
var byOp = func() map[string]*endpoint {
	m := map[string]*endpoint{}
	for _, ep := range []*endpoint{epStop, epStatus, epInfo, epViewers, epStreamType, epCutoff, epResume, epUserInfo} {
		m[ep.op] = ep
	}
	return m
}()

// private reports whether the answers of op must not be quoted (see
// endpoint.private). An op the client does not make is not private.
func private(op string) bool {
	ep := byOp[op]
	return ep != nil && ep.private
}

// call is one logical call: the endpoint, the channel its path names, the
// parameters signed and sent besides appId, timestamp and sign, and how
// its answer is read (nil or an error).
type call struct {
	ep      *endpoint
	channel int64 // the channel the path names; 0 when it names none
	params  map[string]string
	decode  func(status int, body []byte) error
}

// path is the endpoint's path with the channel id in place. The channel id
// in the path is not a signed parameter: Polyv signs what is in the query
// or the form.
func (cl call) path() string {
	return strings.Replace(cl.ep.path, channelSlot, strconv.FormatInt(cl.channel, 10), 1)
}
