package main

import (
	"fmt"
	"strconv"

	"github.com/polyvbot/polyvbot/bot"
)

// demoStep is one thing a person does in a scene: types a command, or
// clicks a button the bot posted in the incident channel (the newest one
// with that action id).
type demoStep struct {
	user  string
	text  string // the command typed after /polyv, or
	click string // the action id of the button clicked
}

// demoAct is a scene of one or more steps.
type demoAct struct {
	title string
	steps []demoStep
}

// act is a one-command scene as a demoAct.
func (sc demoScene) act() demoAct {
	return demoAct{title: sc.title, steps: []demoStep{{user: sc.user, text: sc.text}}}
}

// demoActs are the scenes in the order they play: the commands of
// demoScript, then demoStory's.
var demoActs = func() []demoAct {
	acts := make([]demoAct, 0, len(demoScript)+len(demoStory))
	for _, sc := range demoScript {
		acts = append(acts, sc.act())
	}
	return append(acts, demoStory...)
}()

var (
	keynote = strconv.Itoa(demoKeynote)
	webinar = strconv.Itoa(demoWebinar)
)

// demoStory knows what it stops: names, the story status tells, a pushed
// stream that only a cut-off ends, and the two-person rule.
var demoStory = []demoAct{
	{"`status` tells each channel's whole story: its name, whether it is live, how many watch now, the host, and whether an encoder pushes it or Polyv pulls it",
		[]demoStep{{user: demoAlice, text: "status " + keynote + " " + webinar}}},
	{"A pushed stream: a pull stop cannot end what the host's encoder pushes, so the thread offers the cut-off (POLYV_USER_ID is set), and the requester clicks it",
		[]demoStep{
			{user: demoDave, text: "stop " + webinar + " -- the partner's encoder streams the wrong feed"},
			{user: demoDave, click: bot.ActionCutoff},
		}},
	{"`resume` lifts the cut-off: the host may push again", []demoStep{{user: demoDave, text: "resume " + webinar}}},
	{"The two-person rule (" + setting("APPROVAL_CHANNELS") + "): the stop waits for a second allowed person, and the requester cannot be that person",
		[]demoStep{
			{user: demoAlice, text: "stop " + keynote + " -- the keynote shows the unreleased roadmap"},
			{user: demoAlice, click: bot.ActionApprove},
			{user: demoCarol, click: bot.ActionApprove},
		}},
}

// describe is what the narrator says a step's person does.
func (s demoStep) describe(b demoButton, threaded bool) string {
	if s.click == "" {
		return fmt.Sprintf("%s in %s types: /polyv %s", demoNames[s.user], demoNames[demoChannel], s.text)
	}
	where := "on polyvbot's message"
	if threaded {
		where = "in the thread"
	}
	line := fmt.Sprintf("%s clicks [%s] %s", demoNames[s.user], b.Text.Text, where)
	if b.Confirm != nil {
		line += fmt.Sprintf(", then [%s] in Slack's dialog %q", b.Confirm.Confirm.Text, b.Confirm.Title.Text)
	}
	return line
}
