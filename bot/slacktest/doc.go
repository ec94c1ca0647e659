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
// # What Slack refuses
//
// The fake refuses what Slack refuses, so that no test passes with a message
// Slack would not show. Every chat.postMessage, chat.update and
// chat.postEphemeral (blocks as a form field or in a JSON body) and every
// response_url post has its blocks checked against Block Kit's limits:
// block_id at most 255 characters and unique within the message; action_id
// at most 255 and unique within the message (across all its blocks); a
// button's text at most 75, value 2000, url 3000, style "primary" or
// "danger" or none; a confirm dialog's title 100, text 300, confirm and
// deny buttons 30; a section's text 3000; an actions block at most 25
// elements; a message at most 50 blocks. Blocks that are not JSON, not an
// array of objects, of a type Slack does not know, or with a field of the
// wrong JSON type are refused too. Characters are counted as Slack counts
// them, as Unicode characters: "停" is one, not three bytes.
//
// A Web API call past a limit gets Slack's answer, HTTP 200 with
// {"ok":false,"error":"invalid_blocks","errors":[…],"response_metadata":
// {"messages":["[ERROR] …"]}}, each reason naming its field, as in "must be
// less than 256 characters [json-pointer:/blocks/1/block_id]". A
// response_url post past a limit gets HTTP 400 with the body
// "invalid_blocks" (what Slack's hooks answer; Slack does not document it).
// Nothing refused is recorded as posted, but the call is counted (Calls)
// and recorded (Requests), and Refusals lists it with its reasons. A
// message's top-level text longer than 40 000 characters is not refused:
// Slack cuts it, and the fake records it cut.
//
// Only these rules are checked: a message the fake takes may still break
// one of Slack's others (a header's length, a section's fields …).
//
// # Rate limits
//
// Any Web API method, apps.connections.open included, and any response_url
// ("response_url") can be made to answer HTTP 429 with any Retry-After,
// sent exactly as given: FailNext(method, n, Failure{HTTPStatus: 429,
// RetryAfter: "3600"}) for the next n calls, FailAlways until it is cleared
// with FailAlways(method, Failure{}). The body is {"ok":false,"error":
// "ratelimited"}; slack-go reports it as a *slack.RateLimitedError.
//
// # Identifiers
//
// Identifiers are as long as Slack's, so that a field a bot builds from one
// (a block_id built from an envelope id, say) is tested at its real length.
// Envelope ids are random version 4 UUIDs, 36 characters, unless a test
// chooses one (SlashCommand.EnvelopeID); an event retry has an envelope id
// of its own. A slash command's trigger_id has the shape of Slack's, 57
// characters ("1700000000001.4911806113.<32 hex digits>"), and its
// response_url, <URL>/response/<team>/<13 digits>/<24 letters and digits>,
// is about as long as Slack's https://hooks.slack.com/commands/… (about 80
// characters). The server takes posts to any URL under /response/, so a
// test can post to the response_url an interactive payload carries,
// whatever it made it.
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
