package polyvtest

import (
	"fmt"
	"strconv"
	"time"

	"github.com/polyvbot/polyvbot/polyv"
)

// SetName sets what channel-info answers as channelID's name and
// publisher, as given: hostile text (Slack mentions, bidi overrides,
// zero-width spaces, very long names) goes out as Polyv would send it.
// By default a channel is named "polyvtest channel <id>", hosted by
// "polyvtest host".
func (s *Server) SetName(channelID int64, name, publisher string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.channelLocked(channelID)
	ch.name, ch.publisher = name, publisher
}

// SetViewers sets how many watch channelID now, and the counts before it,
// newest first. realtime-viewers answers them as Polyv does: one row per
// count, 10 seconds apart, newest first, the count as a string of digits.
// By default a channel has one row with "0".
func (s *Server) SetViewers(channelID int64, now int, earlier ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.channelLocked(channelID).viewers = append([]int{now}, earlier...)
}

// SetStreamType sets what stream-type answers for channelID, any string
// included (polyv.StreamType("x")). A pushed channel (polyv.StreamClient)
// stays live after a successful stop, as KeepLive; the default is
// polyv.StreamPull.
func (s *Server) SetStreamType(channelID int64, t polyv.StreamType) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.channelLocked(channelID).streamType = t
}

// Unknown makes channelID a channel Polyv does not know: the calls about
// it alone (stop, channel-info, stream-type, cutoff, resume) answer
// IllegalChannelID after verification, and the batched reads (live-status,
// realtime-viewers) have no row for it.
func (s *Server) Unknown(channelID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.unknown[channelID] = true
}

// channel is what the fake knows of a channel besides its live status.
type channel struct {
	name, publisher string
	viewers         []int // newest first
	streamType      polyv.StreamType
}

// channelLocked returns channelID's state, made with the defaults on first
// use.
func (s *Server) channelLocked(id int64) *channel {
	ch := s.channels[id]
	if ch == nil {
		ch = &channel{
			name: fmt.Sprintf("polyvtest channel %d", id), publisher: "polyvtest host",
			viewers: []int{0}, streamType: polyv.StreamPull,
		}
		s.channels[id] = ch
	}
	return ch
}

// liveLocked is channelID's live status: "live" unless something changed
// it.
func (s *Server) liveLocked(id int64) polyv.LiveStatus {
	if st, ok := s.live[id]; ok {
		return st
	}
	return polyv.StatusLive
}

// rowsLocked is the data of a successful batched read of ids.
func (s *Server) rowsLocked(op Op, ids []int64) []map[string]any {
	rows := make([]map[string]any, 0, len(ids))
	for _, id := range ids {
		if s.unknown[id] {
			continue
		}
		if op == OpStatus {
			rows = append(rows, map[string]any{"channelId": id, "liveStatus": s.liveLocked(id)})
			continue
		}
		for i, n := range s.channelLocked(id).viewers {
			at := s.now().Add(-time.Duration(i) * 10 * time.Second)
			rows = append(rows, map[string]any{"channelId": id, "time": at.Format(time.TimeOnly), "count": strconv.Itoa(n)})
		}
	}
	return rows
}

// channelDataLocked is the data of a successful read about channel id:
// Polyv's fields, the ones no caller should show (a password, viewing
// keys, a pull URL's token) included, so that tests can prove they are not.
func (s *Server) channelDataLocked(op Op, id int64) map[string]any {
	ch := s.channelLocked(id)
	if op == OpStreamType {
		pullURL := ""
		if ch.streamType != polyv.StreamClient {
			pullURL = fmt.Sprintf("rtmp://source.polyvtest.example/live/%d?token=%s", id, PullToken)
		}
		return map[string]any{"streamType": ch.streamType, "pullUrl": pullURL}
	}
	watch, text := watchStatus(s.liveLocked(id))
	return map[string]any{
		"channelId": id, "name": ch.name, "publisher": ch.publisher, "channelPasswd": ChannelPassword,
		"startTime": 0, "pageView": 0, "likes": 0, "watchStatus": watch, "watchStatusText": text,
		"authSettings": []map[string]any{{"channelId": id, "authType": "code", "authCode": ChannelPassword, "customKey": PullToken}},
	}
}

// What the fake's answers carry that no caller should ever show: tests
// look for them in errors and logs.
const (
	ChannelPassword = "pvtest-channel-passwd"
	PullToken       = "pvtest-pull-token"
)

// watchStatus is the watch page's status for a live status, as basic/get
// reports it.
func watchStatus(st polyv.LiveStatus) (string, string) {
	switch st {
	case polyv.StatusLive:
		return "live", "直播中"
	case polyv.StatusPlayback:
		return "playback", "回放中"
	case polyv.StatusEnd, polyv.StatusBanpush:
		return "end", "已结束"
	}
	return "waiting", "未开始"
}
