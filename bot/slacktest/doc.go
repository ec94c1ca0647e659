// Package slacktest is a fake Slack for tests, demos and load runs: the real
// slack-go client talks to it exactly as it talks to slack.com.
//
// NewServer starts a loopback HTTP server that serves three things:
//
//   - the Web API under /api/<method> (point the client at it with
//     slack.OptionAPIURL(srv.APIURL()); the trailing slash matters);
//   - the Socket Mode websocket under /ws/<n>, whose URL apps.connections.open
//     hands out, one use per URL;
//   - response_url endpoints under /response/<id>, which slash commands carry.
//
// A typical test wires the real client to it:
//
//	srv := slacktest.NewServer()
//	defer srv.Close()
//	api := slack.New(srv.BotToken(), slack.OptionAppLevelToken(srv.AppToken()),
//		slack.OptionAPIURL(srv.APIURL()))
//	client := socketmode.New(api, socketmode.OptionPingInterval(3*time.Second))
//	go client.RunContext(ctx)
//	id, _, err := srv.SendSlashCommand(ctx, slacktest.SlashCommand{Text: "stop 10001"})
//	ack, err := srv.WaitAck(ctx, id) // ack.Conn: the connection it came over
//
// The server checks tokens as Slack does: apps.connections.open needs the app
// token as a Bearer header, every other method the bot token as a Bearer header
// or a token form field; anything else answers invalid_auth. It sends a hello
// on every new socket and then websocket pings every ping interval, so the
// client's socketmode.OptionPingInterval must be longer than WithPingInterval.
//
// Everything the client sends is recorded (Messages, Ephemerals, ResponsePosts,
// Acks, and raw Requests for secret scans) and can be awaited with WaitFor,
// WaitAck and WaitConnected. Behaviour can be scripted: failures with HTTP
// status and Retry-After (FailNext, FailAlways), channels the bot is not in
// (SetNotInChannel), user groups and their errors, dropped sockets, Slack's
// disconnect message and silenced pings.
//
// # Connections and routing
//
// Like Slack, the server holds any number of Socket Mode connections at once
// (Slack allows an app ten), so several replicas of a bot can run against
// one fake. Each connection gets an ID, 1, 2, 3… in the order its socket was
// accepted; Connections lists the live ones and WaitConnections waits for n
// of them to have had their hello, whose num_connections counts the live
// connections, the new one included.
//
// Slack sends each payload to exactly one connection, any one. The fake's
// Routing decides which among those that have had their hello: RoundRobin
// (the default, in connection order, so tests are repeatable), Random, or
// Newest (the newest connection only). A test aims a payload with
// SendSlashCommandTo or SendInteractiveTo, or with RouteNext, which steers
// the next payload sent by any means, including by code the test does not
// control. CloseConnection and DropConnection end one connection, gracefully
// with Slack's disconnect message or abruptly; Disconnect and DropConnections
// end them all.
//
// Every payload written is recorded as an Envelope with the connection it
// went to, and every Ack with the connection it came over (Envelopes, Acks).
// Slack does not redeliver a slash command or an interactive payload whose
// ack never came: the user sees an error. Neither does the fake; Unacked
// lists such payloads, so a test can assert that none was lost. Events
// (SendEvent) are different: Slack retries them, and so does the fake, with
// retry_attempt and retry_reason set (WithAckTimeout, WithEventRetries).
//
// The package has no dependency on the testing package, so non-test binaries
// may use it too. Close releases every waiter and leaves no goroutine behind.
package slacktest
