package slacktest

// SetUserGroup and its siblings script how the fake answers; each wakes
// WaitFor callers like any other change.

// SetUserGroup defines a user group for usergroups.users.list and
// usergroups.list, replacing its members and clearing its error.
func (s *Server) SetUserGroup(groupID, handle string, members ...string) {
	s.mutate(func(st *state) {
		st.groups[groupID] = &userGroup{handle: handle, members: append([]string(nil), members...)}
	})
}

// SetUserGroupError makes lookups of groupID fail with slackError (for
// example "missing_scope" or "paid_teams_only"); "" clears it. While any
// group has an error, usergroups.list fails with it too, since those errors
// are about the workspace rather than the group.
func (s *Server) SetUserGroupError(groupID, slackError string) {
	s.mutate(func(st *state) {
		g, ok := st.groups[groupID]
		if !ok {
			g = &userGroup{}
			st.groups[groupID] = g
		}
		g.err = slackError
	})
}

// SetNotInChannel makes chat.postMessage and chat.update in channelID fail
// with not_in_channel, and conversations.info report is_member false.
func (s *Server) SetNotInChannel(channelID string) {
	s.mutate(func(st *state) { st.notInChannel[channelID] = true })
}

// FailNext makes the next n calls of a Web API method (or "response_url")
// fail with f, before any other check. A zero Failure means internal_error.
func (s *Server) FailNext(method string, n int, f Failure) {
	s.mutate(func(st *state) {
		for range n {
			st.failNext[method] = append(st.failNext[method], f)
		}
	})
}

// FailAlways makes every call of method fail with f, after any FailNext
// failures are used up; FailAlways(method, Failure{}) clears it.
func (s *Server) FailAlways(method string, f Failure) {
	s.mutate(func(st *state) {
		if f == (Failure{}) {
			delete(st.failAlways, method)
			return
		}
		st.failAlways[method] = f
	})
}

// Calls returns how many calls of a Web API method (or "response_url")
// arrived, failed ones included.
func (s *Server) Calls(method string) int {
	var n int
	s.read(func(st *state) { n = st.calls[method] })
	return n
}
