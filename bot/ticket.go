package bot

import (
	"bytes"
	"cmp"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// A confirmation prompt's buttons carry a ticket: everything any replica
// needs to run the stop when the button is clicked (who asked, where, which
// Polyv channels, the reason, until when), signed with an HMAC under a key
// every replica derives from the configuration they share. Slack may hand
// the click to a replica that never saw the command; that replica checks
// the signature, so nobody can forge or alter a ticket, and runs it. A
// ticket is used once on each replica: a replica remembers the tickets
// clicked on it until they expire.

// ticket is what a prompt's buttons carry. Its JSON names are short: a
// button's value holds at most 2000 characters.
type ticket struct {
	ID      string  `json:"id"`          // the command's envelope id, its audit request
	Verb    Verb    `json:"v,omitempty"` // the acting verb; "" in tickets from before it was kept: stop
	User    string  `json:"u"`           // the requester, the only one who may click
	Name    string  `json:"n,omitempty"` // the requester's user name
	Channel string  `json:"c"`           // the Slack channel
	Command string  `json:"cmd"`         // the slash command as the workspace named it
	IDs     []int64 `json:"p"`           // the Polyv channels
	Reason  string  `json:"r,omitempty"` // as typed
	Marked  bool    `json:"m,omitempty"` // the reason had a marker
	Expires int64   `json:"e"`           // Unix seconds
	// Kind keeps a ticket to the button it was made for: an approval
	// request's ticket never confirms a stop, nor the reverse.
	Kind ticketKind `json:"k,omitempty"`
}

// ticketKind is what a ticket is for; "" in confirmations, as before kinds.
type ticketKind string

// The kinds of ticket.
const (
	kindConfirm  ticketKind = ""
	kindApproval ticketKind = "a"
)

// maxButtonValue is Slack's limit on a button's value.
const maxButtonValue = 2000

// maxClockSkew is how far apart replicas' clocks may be, as Polyv tolerates
// its callers' (its signed timestamps may be 3 minutes off): a ticket
// carries its issuer's clock, and the replica that gets the click may run
// ahead or behind. A ticket is honoured from 3 minutes before its issue to
// 3 minutes past its expiry, on the clicking replica's clock, and never
// longer: ttl + 6 minutes at most, for which it is remembered once used.
const maxClockSkew = 3 * time.Minute

var (
	// errAltered is a ticket whose signature does not match what it says.
	errAltered = errors.New("the confirmation's signature does not match")
	// errIssuedAhead is a ticket whose expiry is further ahead than its
	// lifetime and the skew allow: its issuer's clock runs ahead by more
	// than maxClockSkew.
	errIssuedAhead = errors.New("the confirmation's issuer's clock is more than 3 minutes ahead")
	// errOtherKind is a well-signed ticket made for another kind of button.
	errOtherKind = errors.New("the ticket was made for another kind of button")
)

// tickets issues and checks tickets.
type tickets struct {
	kind ticketKind // what it issues and redeems
	key  []byte
	ttl  time.Duration
	now  func() time.Time
	used *recent // tickets clicked on this replica, until they expire
}

// newTickets signs with key; an empty key means a random one, which only
// this process knows (one replica, or tests).
func newTickets(key []byte, ttl time.Duration, now func() time.Time) *tickets {
	if len(key) == 0 {
		key = make([]byte, 32)
		_, _ = rand.Read(key)
	}
	return &tickets{key: key, ttl: ttl, now: now, used: newRecent(ttl+2*maxClockSkew, now)}
}

// issue returns the button value for req: the ticket's JSON, a dot, and its
// signature.
func (t *tickets) issue(req Request) string {
	tk := ticket{ID: req.ID, Verb: req.Command.Verb, User: req.User, Name: req.UserName, Channel: req.Channel, Command: req.Slash,
		IDs: req.Command.ChannelIDs, Reason: req.Command.Reason, Marked: req.Command.ReasonMarked, Expires: t.now().Add(t.ttl).Unix(),
		Kind: t.kind}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // keep <, > and & as one character each
	_ = enc.Encode(tk)       // strings and numbers always encode
	body := bytes.TrimSpace(b.Bytes())
	return string(body) + "." + base64.RawURLEncoding.EncodeToString(t.sign(body))
}

// redeem checks a clicked button's value for user and, if it may run,
// marks it used on this replica and returns the command it carries. A
// ticket outside its lifetime, give or take maxClockSkew, is Expired; one
// issued by a clock too far ahead is Expired with errIssuedAhead.
func (t *tickets) redeem(value, user string) (Request, Decision, error) {
	tk, err := t.read(value)
	switch {
	case err != nil:
		return Request{}, Altered, err
	case tk.User != user:
		return Request{}, NotYours, nil
	}
	if d, err := t.timely(tk); d != Allowed {
		return Request{}, d, err
	}
	if t.used.add(signature(value)) {
		return Request{}, Used, nil
	}
	return tk.request(), Allowed, nil
}

// timely says whether tk is within its lifetime, give or take
// maxClockSkew: Allowed, or Expired (with errIssuedAhead for one issued by
// a clock too far ahead).
func (t *tickets) timely(tk ticket) (Decision, error) {
	now := t.now()
	switch {
	case now.Add(-maxClockSkew).Unix() > tk.Expires:
		return Expired, nil
	case now.Add(t.ttl+maxClockSkew).Unix() < tk.Expires:
		return Expired, errIssuedAhead
	}
	return Allowed, nil
}

// request is the command a ticket carries.
func (tk ticket) request() Request {
	return Request{ID: tk.ID, User: tk.User, UserName: tk.Name, Channel: tk.Channel, Slash: tk.Command,
		Command: Command{Verb: cmp.Or(tk.Verb, VerbStop), ChannelIDs: tk.IDs, Reason: tk.Reason, ReasonMarked: tk.Marked}}
}

// signature is a button value's signature: what marks a ticket used.
func signature(value string) string { return value[strings.LastIndexByte(value, '.')+1:] }

// read returns the ticket in value if its signature is right.
func (t *tickets) read(value string) (ticket, error) {
	dot := strings.LastIndexByte(value, '.')
	if dot < 0 {
		return ticket{}, errAltered
	}
	body, sig := []byte(value[:dot]), value[dot+1:]
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, t.sign(body)) {
		return ticket{}, errAltered
	}
	var tk ticket
	if err := json.Unmarshal(body, &tk); err != nil || len(tk.IDs) == 0 {
		return ticket{}, errAltered
	}
	if tk.Kind != t.kind {
		return ticket{}, errOtherKind
	}
	return tk, nil
}

func (t *tickets) sign(body []byte) []byte {
	m := hmac.New(sha256.New, t.key)
	m.Write(body)
	return m.Sum(nil)
}

// TicketKey derives the key that signs confirmation tickets from secrets
// every replica of a deployment shares, so that any replica can honour a
// click on another's prompt, and only they can sign one.
func TicketKey(secrets ...string) []byte {
	m := hmac.New(sha256.New, []byte("polyvbot confirmation tickets v1"))
	for _, s := range secrets {
		m.Write([]byte(s))
		m.Write([]byte{0})
	}
	return m.Sum(nil)
}
