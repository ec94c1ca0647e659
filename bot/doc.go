// Package bot is the Slack side of polyvbot: it speaks Socket Mode, parses
// slash commands, authorizes and throttles them, and reports each action in a
// channel message with the outcome in its thread.
package bot
