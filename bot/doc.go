// Package bot is the Slack side of polyvbot: it reads slash commands and
// button clicks from Socket Mode, authorizes and throttles them, acts on
// Polyv channels, and tells the story in a channel message with the
// outcome in its thread.
//
// Where things are:
//
//   - The verbs (verbs.go) are one table: for each verb its help entry, who
//     may use it, and either the read it runs (status) or, for an acting
//     verb (stop, ban, resume), its action: the Polyv call, the per-user
//     bucket, whether it asks for confirmation, whether its effect is
//     verified, whether it needs POLYV_USER_ID, whether it offers the
//     cut-off, and its words. Adding a verb is an entry, its wording and its
//     tests.
//   - The cut-off offer (cutoff.go): a pull stop cannot end what an
//     encoder pushes; when a stop's thread shows that, it offers the
//     requester a button that runs ban, from what the stop and its
//     verification already read (no extra Polyv call).
//   - The transport (transport.go, pool.go, bot.go) reads payloads from the
//     Socket Mode connection, answers in the ack what needs no work (help,
//     bad input, how an ambiguous stop was read, a full queue) and hands the
//     rest to a fixed pool of workers. It never does slow work on the reader.
//     The Slack client itself, Web API and Socket Mode, is bot/slackclient.
//   - The pipeline (pipeline.go, stop.go, status.go, confirm.go, verify.go,
//     thread.go, approval.go) is plain code: handle(ctx, req) returns the request's
//     Record once its effects are done. It reaches Slack only through the
//     Slack interface it declares, decides with typed values (Decision,
//     State, Check) and leaves the Record to the worker, which hands it to
//     an AuditSink. Its tests call handle without a websocket.
//   - The wording (text*.go) is pure functions of those values: every
//     message, thread line, refusal and audit line the bot writes, the
//     policy's denials included (auth returns them as typed values). They
//     are methods of words, which holds the language (LANGUAGE): their
//     English format strings are the keys of the Chinese catalogue
//     (text_zh.go), so a language is a catalogue, not a copy of the
//     decisions. Logs, metrics and the audit log's values stay English.
//     policy's denials included (auth returns them as typed values).
//   - The channel names (names.go) are a cache the messages read: a
//     message may wait a stated bound for a name (the parent 300 ms, a
//     prompt 1.5 s, status 3 s), never a Polyv call. Lookups run in the
//     background on a budget of their own and never wait for a token of
//     the global bucket; a denied or refused request only reads the cache.
//     The drain closes it last.
//
// Concurrency is five mechanisms, each for one reason:
//
//  1. The pool (pool.go): the event reader queues a request and returns, so
//     that acks are never late; a fixed number of workers run requests, a
//     queue bounded by count and by expected wait answers "busy" rather than
//     run a command minutes late, and one WaitGroup counts every job (the
//     verdicts to come and the private answers sent beside the workers
//     included), so that a drain waits for all of them.
//  2. An errgroup per command (stop.go, status.go, approval.go): a
//     command's Polyv calls go out together, so three channels cost one
//     round trip, not three; status reads its parts side by side; a mixed
//     command posts its approval request beside its calls, and a click
//     rewrites the prompt or offer it came from beside the call it runs.
//  3. A poster per command (thread.go): one goroutine makes the command's
//     Slack writes in order (parent, a line per channel in the command's
//     order, the update, the audit channel's lines), so that a slow Slack
//     delays what the channel sees, never a Polyv call. The thread also
//     tells a second requester where it is once its parent is posted.
//  4. The verifier (verify.go): one goroutine per process reads the live
//     status of every channel being verified in batched calls, so that
//     verification costs a few calls a second whatever the load; when a
//     stop's channels are decided it hands the verdict to a worker as a job
//     of its own, with its own audit record (event "verified").
//  5. The name lookups (names.go): at most four at a time, in the
//     background, so that a name asked for by one message is there for the
//     next without any message waiting past its bound; one per channel
//     however many commands ask, joined by Close in the drain.
//
// A stop crosses three goroutine boundaries: reader to worker (the pool),
// worker to its Polyv calls (the errgroup), worker to its poster. Its
// verification is a separate event: worker to verifier, verifier to a
// worker. The rest is state behind a lock, touched briefly and never held
// across a call: the in-flight guard (state.go), the envelope
// de-duplication set, the used tickets. Run's sweep frees those sets' old
// entries once a minute.
//
// Several replicas may serve together: Slack sends each payload to one of
// the app's Socket Mode connections, the one that receives a command runs
// it to the end, and the buttons of a confirmation, of an approval request
// and of a stop's cut-off offer carry a signed ticket any replica can run
// (ticket.go, approval.go, cutoff.go). What stays in one process, and so per
// replica: the worker pool and its queue, the per-user and global token
// buckets, the in-flight guard that stops two people's commands from
// acting on the same channel at once, the verifier, the envelope
// de-duplication set, the tickets already used, and how the approval
// requests clicked here ended.
package bot
