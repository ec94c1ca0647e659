package slackclient

import (
	"encoding/json"
	"log/slog"
	"strings"
)

// Reasons Slack gives in its disconnect message.
const (
	reasonRefresh      = "refresh_requested" // Slack is about to refresh the connection
	reasonWarning      = "warning"           // it will close the connection in a few seconds
	reasonLinkDisabled = "link_disabled"     // Socket Mode was turned off for the app
)

// disconnectWatch learns why Slack ends a connection. slack-go v0.35.0 reads
// Slack's {"type":"disconnect","reason":…} message, reconnects and tells
// its user nothing: the event it documents for it is never sent, so a
// reconnect Slack asked for looked like a failure and was backed off. The
// one place slack-go shows the message is its debug log, which it writes on
// the goroutine that then reconnects, so the gate hears of the message
// before the next apps.connections.open. The watch is that log: it reads
// the messages and drops every other line, which may carry payloads.
//
// If slack-go stops writing that line, the watch hears nothing and a
// requested reconnect is backed off again, as before; the socket tests run
// the real slack-go and would say so.
type disconnectWatch struct {
	gate *connectGate
	log  *slog.Logger
}

// slack-go's debug lines the watch reads.
const (
	receivedLine     = "Received WebSocket message: "
	reconnectingLine = "Reconnecting due to "
)

// Output is slack-go's logger interface.
func (w disconnectWatch) Output(_ int, line string) error {
	line = strings.TrimSpace(line)
	if frame, ok := strings.CutPrefix(line, receivedLine); ok {
		if reason, ok := disconnectReason(frame); ok {
			w.disconnected(reason)
		}
		return nil
	}
	if why, ok := strings.CutPrefix(line, reconnectingLine); ok {
		w.log.Debug("socket mode connection ended", "why", why)
	}
	return nil
}

// disconnected tells the gate whether the reconnect Slack asked for may go
// at once: after a refresh or a warning it may, every time; link_disabled
// is a setting no reconnect fixes, so the backoff goes on.
func (w disconnectWatch) disconnected(reason string) {
	switch reason {
	case reasonRefresh, reasonWarning:
		w.gate.requested()
		w.log.Info("Slack asked for a new socket mode connection; reconnecting at once", "reason", reason)
	case reasonLinkDisabled:
		w.log.Warn("Slack turned Socket Mode off for this app (disconnect reason link_disabled): "+
			"turn it back on under Socket Mode in the app's settings; reconnecting with backoff until then", "reason", reason)
	default:
		w.log.Warn("Slack closed the socket mode connection for an unknown reason; reconnecting with backoff", "reason", reason)
	}
}

// disconnectReason reads Slack's disconnect message; it reports false for
// any other frame.
func disconnectReason(frame string) (string, bool) {
	if !strings.Contains(frame, "disconnect") {
		return "", false // the common case, without decoding a payload
	}
	var msg struct{ Type, Reason string }
	if err := json.Unmarshal([]byte(frame), &msg); err != nil || msg.Type != "disconnect" {
		return "", false
	}
	return msg.Reason, true
}
