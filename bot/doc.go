// Package bot is the Slack side of polyvbot: it reads slash commands and
// button clicks from Socket Mode, authorizes and throttles them, stops Polyv
// channels, and tells the story in a channel message with the outcome in
// its thread.
//
// A request goes through three parts, each in its own files:
//
//   - The transport (transport.go, pool.go, bot.go) reads payloads from the
//     Socket Mode connection (bot/slackclient), answers in the ack what
//     needs no work (help, bad input, how an ambiguous stop was read, a full
//     queue) and hands the rest to a fixed pool of workers. It never does
//     slow work on the reader.
//   - The pipeline (pipeline.go, stop.go, status.go, confirm.go, verify.go,
//     thread.go) is plain code: a Request in, Polyv calls, Slack messages
//     and one audit Record out. It reaches Slack only through the Slack
//     interface it declares, decides with typed values (Decision, State,
//     Check) and hands the Record to an AuditSink. Its tests run it without
//     a websocket.
//   - The wording (text*.go) is pure functions of those values: every
//     message, thread line, refusal and audit line the bot writes.
//
// Several replicas may serve together: Slack sends each payload to one of
// the app's Socket Mode connections, the one that receives a command runs
// it to the end, and a confirmation's buttons carry a signed ticket any
// replica can run (ticket.go). What stays in one process, and so per
// replica: the worker pool and its queue, the per-user and global token
// buckets, the in-flight guard that stops two people's commands from
// stopping the same channel twice, the verifier, the envelope
// de-duplication set, and the tickets already used.
package bot
