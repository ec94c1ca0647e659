// Package auth decides who may do what: Slack users, user groups and channels.
// It knows nothing of Polyv.
package auth
