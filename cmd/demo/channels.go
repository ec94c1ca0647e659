package main

import (
	"github.com/polyvbot/polyvbot/bot/slacktest"
	"github.com/polyvbot/polyvbot/polyv"
	"github.com/polyvbot/polyvbot/polyv/polyvtest"
)

// The Polyv channels the later scenes are about.
const (
	// demoKeynote is in APPROVAL_CHANNELS: its stop waits for a second person.
	demoKeynote = 10009
	// demoWebinar is pushed by the host's encoder: a pull stop cannot end it.
	demoWebinar = 10010
)

// demoPolyvChannel is what the fake Polyv knows of one channel, so that
// every message names an event, not a number.
type demoPolyvChannel struct {
	id      int64
	title   string
	host    string
	viewers int
	pushed  bool // an encoder pushes it (stream type client); otherwise Polyv pulls it
}

var demoPolyvChannels = []demoPolyvChannel{
	{10001, "Spring Launch", "Acme Marketing", 312, false},
	{10002, "Weekly All-Hands", "People Team", 845, false},
	{10003, "Investor Day", "Finance", 57, false},
	{10004, "Product Tour EU", "Sales EMEA", 96, false},
	{10005, "Product Tour US", "Sales Americas", 133, false},
	{10006, "Product Tour APAC", "Sales APAC", 71, false},
	{10007, "Developer Office Hours", "DevRel", 24, false},
	{10008, "Customer Training", "Support", 40, false},
	{demoKeynote, "CEO Keynote", "Office of the CEO", 1204, false},
	{demoWebinar, "Partner Webinar", "Northwind Studio", 87, true},
}

// stageFakes sets the fakes up for the script: the on-call group, the
// missing channels:read scope, a Polyv refusal and the channels' stories.
func stageFakes(sl *slacktest.Server, pv *polyvtest.Server) {
	sl.SetUserGroup(demoGroup, "oncall", demoCarol)
	// The app manifest leaves out channels:read, so Slack refuses
	// conversations.info, and the preflight shows what -check really shows.
	sl.FailAlways("conversations.info", slacktest.Failure{Error: "missing_scope"})
	pv.Script(demoRefused, polyvtest.InvalidSignature())
	for _, c := range demoPolyvChannels {
		pv.SetName(c.id, c.title, c.host)
		pv.SetViewers(c.id, c.viewers)
		if c.pushed {
			pv.SetStreamType(c.id, polyv.StreamClient)
		}
	}
}
