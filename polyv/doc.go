// Package polyv is a client for the parts of Polyv's live API that polyvbot
// uses. It knows nothing of Slack.
package polyv
