// Package auth decides who may stop a stream, and where. It knows nothing
// of Polyv and imports nothing from Slack; group membership comes through
// the one-method Directory interface, which the Slack adapter implements.
//
// # Configuration
//
// ParseRules reads three comma-separated lists of Slack IDs:
//
//	ALLOWED_USERS       member IDs (U…/W…), or * to allow everyone
//	ALLOWED_USERGROUPS  user-group IDs (S…); their members are allowed
//	ALLOWED_CHANNELS    channel IDs (C…/G…) where commands are accepted; empty = any
//
// At least one of ALLOWED_USERS and ALLOWED_USERGROUPS must be set: an empty
// configuration is an error, never "everyone". Names ("@alice", "#ops") and
// pasted mentions ("<@U123|alice>") are refused with directions to the ID,
// because names change and can be reused while IDs cannot. Every bad entry
// is reported at once.
//
// # Rulings
//
// Policy.Check takes the user and channel IDs from the Slack envelope and
// returns a Ruling: permitted, or a Denial (a stable metrics label) with the
// facts behind it (the channels allowed, the groups asked and their handles,
// the lookup's error). It holds no words: the bot says them. The channel is
// checked first, then the user list, then the groups in order. A group
// whose members cannot be looked up (the bot lacks usergroups:read, Slack
// is down, the request was canceled) counts as "no": the check fails
// closed with DenyLookup.
//
// GroupCache keeps memberships for a minute, shares concurrent lookups,
// serves an expired list while one refresh runs (up to 5×TTL), logs a
// failing lookup once per cause rather than once per command, and forgets
// groups nobody has asked about for 5×TTL.
//
// # Rate limits
//
// UserLimiter is a token bucket per user (USER_RATE_LIMIT_PER_MINUTE,
// USER_RATE_LIMIT_BURST); Take says when to retry. Idle users cost no memory.
package auth
