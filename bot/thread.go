package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/polyvbot/polyvbot/bot/slackclient"
)

// thread is where a stop's story is told: a parent message in the channel
// and the outcome lines in its thread. One goroutine per command, its
// poster, makes the command's Slack writes in the order they are queued
// (then): the parent first, started at once while Polyv is called, then
// each line once its result is in. A slow Slack delays what the channel
// sees, never the stop. Where there is no thread (the bot is not in the
// channel, or the parent could not be posted) and where a reply fails,
// lines are held and flush delivers them together the next way that
// works: Slack takes only five posts per response_url.
//
// The thread also tells a second requester where it is: located is closed
// once the parent's post has returned (or when no parent will be posted),
// after which parent may be read from any goroutine.
type thread struct {
	p       *pipeline
	req     Request
	parent  parent // set by the poster's first post; read by later ones
	held    []string
	posts   chan func()
	done    chan struct{} // closed when the poster has made every post
	located chan struct{}
	locate  sync.Once
}

// parent is where a stop's parent message went.
type parent struct {
	channel string
	ts      string // empty when there is no thread
	link    string
	// announced: the parent went through response_url because the bot is
	// not in the channel, so the channel saw the announcement.
	announced bool
}

func (pr parent) threaded() bool { return pr.ts != "" }

// newThread is a command's thread before anything is posted: it can own
// in-flight claims before it opens.
func (p *pipeline) newThread(req Request) *thread {
	return &thread{p: p, req: req, posts: make(chan func(), MaxChannels+8), done: make(chan struct{}), located: make(chan struct{})}
}

// open starts the command's poster and queues the parent's post on it.
func (t *thread) open(ctx context.Context) {
	go func() {
		defer close(t.done)
		for post := range t.posts {
			post()
		}
	}()
	if pr, ok := t.req.approval.at(); ok { // an approval request, already posted
		t.parent = pr
		t.giveUp()
		if open := t.req.approval.opening; open != nil {
			t.then(open)
		}
		return
	}
	t.then(func() {
		t.parent = t.p.postParent(ctx, t.req)
		t.locate.Do(func() { close(t.located) })
		t.p.auditPost(ctx, t.req, t.p.words.startLine(t.req, t.parent.link, t.names(ctx)))
	})
}

// link returns the thread's permalink once its parent is posted, or ""
// when there is none or ctx ends first.
func (t *thread) link(ctx context.Context) string {
	select {
	case <-t.located:
		return t.parent.link
	case <-ctx.Done():
		return ""
	}
}

// names are the command's channel names the cache has now, for the
// messages after the parent: they wait for none (a lookup still running
// helps a later message), and none is edited later just for a name.
func (t *thread) names(ctx context.Context) channelNames {
	return t.p.lookupNames(ctx, t.req.Command.ChannelIDs, 0)
}

// giveUp tells whoever waits for link that no parent is coming.
func (t *thread) giveUp() { t.locate.Do(func() { close(t.located) }) }

// then queues post after the command's earlier posts.
func (t *thread) then(post func()) { t.posts <- post }

// close waits until the poster has made every post queued.
func (t *thread) close() {
	close(t.posts)
	<-t.done
}

// parentNameWait is the most the parent waits for the channels' names. It
// runs on the poster, beside the Polyv calls, so it delays no call; it
// delays what the channel sees, by a little: a name cached or answered at
// Polyv's usual speed (a few hundred milliseconds at most) makes it, and a
// slower one is left to the later messages.
const parentNameWait = 300 * time.Millisecond

// postParent posts the message that opens the thread. Where the bot cannot
// post in the channel it posts through the command's response_url instead,
// so the action is still visible to everyone there.
func (p *pipeline) postParent(ctx context.Context, req Request) parent {
	names := p.lookupNames(ctx, req.Command.ChannelIDs, parentNameWait)
	pctx, cancel := postCtx(ctx)
	defer cancel()
	text := p.words.parentText(req, names, p.set.DryRun, "")
	ts, link, err := p.slack.Post(pctx, req.Channel, slackclient.Message{Text: text})
	if err == nil {
		return parent{channel: req.Channel, ts: ts, link: link}
	}
	if !slackclient.IsNotInChannel(err) || req.ResponseURL == "" {
		p.log.Error("parent message not posted; the outcome goes to the requester another way", "request_id", req.ID, "err", err)
		return parent{channel: req.Channel}
	}
	p.log.Info("bot is not in the channel; using response_url", "channel", req.Channel, "slack_error", err.Error())
	r := slackclient.Response{Message: slackclient.Message{Text: text + "\n" + p.words.inviteHint()}, InChannel: true}
	if err := p.slack.Respond(pctx, req.ResponseURL, r); err != nil {
		p.log.Error("parent not posted through response_url either", "request_id", req.ID, "err", err)
		return parent{channel: req.Channel}
	}
	return parent{channel: req.Channel, announced: true}
}

// say posts line in the thread, or holds it for flush when there is no
// thread or the reply fails.
func (t *thread) say(ctx context.Context, line string) {
	pr := t.parent
	line += t.p.words.approvalTag(t.req)
	if pr.threaded() {
		pctx, cancel := postCtx(ctx)
		_, _, err := t.p.slack.Post(pctx, pr.channel, slackclient.Message{Text: line, ThreadTS: pr.ts})
		cancel()
		if err == nil {
			return
		}
		t.p.log.Warn("thread reply failed; the line goes to the requester another way", "request_id", t.req.ID, "thread_ts", pr.ts, "err", err)
	}
	t.held = append(t.held, line)
}

// update rewrites the parent, when there is one, with head at its top.
func (t *thread) update(ctx context.Context, head string) {
	pr := t.parent
	if !pr.threaded() {
		return
	}
	pctx, cancel := postCtx(ctx)
	defer cancel()
	m := slackclient.Message{Text: t.p.words.parentText(t.req, t.names(ctx), t.p.set.DryRun, head)}
	if t.req.ApprovedBy != "" { // the parent is an approval request, whose blocks Slack shows instead of its text
		m.Blocks = textBlocks(m.Text)
	}
	if err := t.p.slack.Update(pctx, pr.channel, pr.ts, m); err != nil {
		t.p.log.Warn("parent not updated", "request_id", t.req.ID, "err", err)
	}
}

// flush delivers the held lines as one message. head heads it where the
// parent could not show it: after a parent posted through response_url, the
// head alone; where no parent was posted at all, the whole parent text, so
// that the message still names the requester and the reason.
func (t *thread) flush(ctx context.Context, head string) {
	lines, pr := t.held, t.parent
	t.held = nil
	if len(lines) == 0 {
		return
	}
	switch {
	case pr.announced && head != "":
		lines = append([]string{head}, lines...)
	case !pr.threaded() && !pr.announced && head != "":
		lines = append([]string{t.p.words.parentText(t.req, t.names(ctx), t.p.set.DryRun, head)}, lines...)
	}
	text := strings.Join(lines, "\n")
	pctx, cancel := postCtx(ctx)
	defer cancel()
	to := recipient{responseURL: t.req.ResponseURL, channel: t.req.Channel, user: t.req.User}
	r := slackclient.Response{Message: slackclient.Message{Text: text}, InChannel: true}
	if err := deliver(pctx, t.p.slack, to, r); err != nil {
		t.p.log.Error("outcome not posted", "request_id", t.req.ID, "user", t.req.User, "channel", t.req.Channel,
			"thread_ts", pr.ts, "outcome", text, "err", err)
	}
}

// recipient is the person a private answer or an outcome must reach.
type recipient struct {
	responseURL, channel, user string
}

// wayTimeout bounds each way deliver tries, on its own: a response_url
// that never answers, or answers 429 with Retry-After: 3600, gives up after
// 6 s and leaves chat.postEphemeral and the direct message 6 s each. The
// three take at most 18 s, within one post's bound (postTimeout, 20 s), so
// the drain's bound on final posts still holds.
const wayTimeout = 6 * time.Second

// deliver is the one way to reach the person who asked, whatever Slack is
// doing: the request's response_url (in r's visibility), then
// chat.postEphemeral in the channel, then a direct message (chat.postMessage
// to the user's ID, which lands in the app's Messages tab), each within its
// own wayTimeout. It returns an error only when every way failed.
func deliver(ctx context.Context, slack Slack, to recipient, r slackclient.Response) error {
	var errs []error
	if to.responseURL != "" {
		err := within(ctx, func(ctx context.Context) error { return slack.Respond(ctx, to.responseURL, r) })
		if err == nil {
			return nil
		}
		errs = append(errs, fmt.Errorf("response_url: %w", err))
	}
	err := within(ctx, func(ctx context.Context) error { return slack.PostEphemeral(ctx, to.channel, to.user, r.Message) })
	if err == nil {
		return nil
	}
	errs = append(errs, fmt.Errorf("chat.postEphemeral: %w", err))
	err = within(ctx, func(ctx context.Context) error {
		_, _, err := slack.Post(ctx, to.user, r.Message)
		return err
	})
	if err == nil {
		return nil
	}
	return errors.Join(append(errs, fmt.Errorf("direct message: %w", err))...)
}

// within runs one way of deliver on a context cut to wayTimeout.
func within(ctx context.Context, way func(context.Context) error) error {
	wctx, cancel := context.WithTimeout(ctx, wayTimeout)
	defer cancel()
	return way(wctx)
}
