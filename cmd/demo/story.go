package main

import (
	"fmt"
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

// demoStory are the scenes of more than one command.
var demoStory []demoAct

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
