package auth

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPolicyCheck(t *testing.T) {
	t.Parallel()
	oneGroup := Rules{Users: []string{"U1A"}, Groups: []string{"S1A"}}
	oncall := []Group{{ID: "S1A", Handle: "oncall"}}
	tests := []struct {
		name    string
		rules   Rules
		members map[string][]string
		dirErr  error
		errFor  map[string]error
		cancel  bool // check with a canceled ctx
		user    string
		channel string
		// A cache scenario: check once first, then change the directory
		// (remove everyone, set thenErr) and move the clock on.
		prime   bool
		thenErr error
		advance time.Duration

		want      Ruling // without Err
		wantErr   string // Ruling.Err's text
		wantCalls int32  // Directory calls in the end
	}{
		{name: "listed user allowed", rules: oneGroup, user: "U1A"},
		{name: "listed user needs no lookup", rules: oneGroup, dirErr: errors.New("missing_scope"), user: "U1A"},
		{name: "group member allowed", rules: oneGroup, members: map[string][]string{"S1A": {"U2B"}}, user: "U2B", wantCalls: 1},
		{
			name: "in neither", rules: oneGroup, members: map[string][]string{"S1A": {"U2B"}}, user: "U3C", wantCalls: 1,
			want: Ruling{Denial: DenyUser, User: "U3C", Groups: oncall},
		},
		{
			name: "not listed, no groups configured", rules: Rules{Users: []string{"U1A"}}, user: "U3C",
			want: Ruling{Denial: DenyUser, User: "U3C"},
		},
		{name: "wildcard allows anyone", rules: Rules{Everyone: true}, user: "W9Z9"},
		{name: "groups in order, first yes stops", rules: Rules{Groups: []string{"S1A", "S2B"}}, members: map[string][]string{"S1A": {"U2B"}}, user: "U2B", wantCalls: 1},
		{name: "second group says yes", rules: Rules{Groups: []string{"S1A", "S2B"}}, members: map[string][]string{"S2B": {"U2B"}}, user: "U2B", wantCalls: 2},
		{name: "channel allowed", rules: Rules{Everyone: true, Channels: []string{"C1A", "C2B"}}, user: "U2B", channel: "C2B"},
		{
			name: "channel not allowed", rules: Rules{Everyone: true, Channels: []string{"C1A", "C2B"}}, user: "U2B", channel: "C3C",
			want: Ruling{Denial: DenyChannel, Channels: []string{"C1A", "C2B"}},
		},
		{
			name: "channel checked before user", rules: Rules{Users: []string{"U1A"}, Channels: []string{"C1A"}}, user: "U1A", channel: "C9Z",
			want: Ruling{Denial: DenyChannel, Channels: []string{"C1A"}},
		},
		{name: "any channel", rules: Rules{Users: []string{"U1A"}}, user: "U1A", channel: "G7Z7"},
		{
			name: "fail closed", rules: oneGroup, dirErr: errors.New("missing_scope"), user: "U2B", wantCalls: 1,
			want: Ruling{Denial: DenyLookup, Groups: oncall}, wantErr: "missing_scope",
		},
		{
			name: "failed group then yes", rules: Rules{Groups: []string{"S1A", "S2B"}}, errFor: map[string]error{"S1A": errors.New("boom")},
			members: map[string][]string{"S2B": {"U2B"}}, user: "U2B", wantCalls: 2,
		},
		{
			name: "failed group and no: only the failed group", rules: Rules{Groups: []string{"S1A", "S2B"}}, errFor: map[string]error{"S2B": errors.New("boom")},
			user: "U2B", wantCalls: 2, want: Ruling{Denial: DenyLookup, Groups: []Group{{ID: "S2B"}}}, wantErr: "boom",
		},
		{
			name: "lookup cause is the directory's own words", rules: oneGroup, dirErr: errors.New("<!channel> & <@U1A>"), user: "U2B", wantCalls: 1,
			want: Ruling{Denial: DenyLookup, Groups: oncall}, wantErr: "<!channel> & <@U1A>",
		},
		{
			name: "canceled ctx", rules: oneGroup, members: map[string][]string{"S1A": {"U2B"}}, cancel: true, user: "U2B",
			want: Ruling{Denial: DenyLookup, Groups: []Group{{ID: "S1A"}}}, wantErr: context.Canceled.Error(),
		},
		{name: "malformed user id", rules: Rules{Everyone: true}, user: "alice", want: Ruling{Denial: DenyUser}},
		{name: "lower-case user id", rules: Rules{Everyone: true}, user: "u1a", want: Ruling{Denial: DenyUser}},
		{name: "empty user id", rules: Rules{Everyone: true}, user: "", want: Ruling{Denial: DenyUser}},
		{name: "mention as user id", rules: oneGroup, user: "<@U1A>", want: Ruling{Denial: DenyUser}},
		{name: "cache hit", rules: oneGroup, members: map[string][]string{"S1A": {"U2B"}}, user: "U2B", prime: true, wantCalls: 1},
		{
			name: "cache expiry", rules: oneGroup, members: map[string][]string{"S1A": {"U2B"}}, user: "U2B",
			prime: true, advance: DefaultMaxStaleFactor * DefaultGroupTTL, wantCalls: 2,
			want: Ruling{Denial: DenyUser, User: "U2B", Groups: oncall},
		},
		{
			name: "stale served while refreshing", rules: oneGroup, members: map[string][]string{"S1A": {"U2B"}}, user: "U2B",
			prime: true, advance: DefaultGroupTTL, wantCalls: 2,
		},
		{
			name: "stale served when refresh fails", rules: oneGroup, members: map[string][]string{"S1A": {"U2B"}}, user: "U2B",
			prime: true, thenErr: errors.New("ratelimited"), advance: 2 * DefaultGroupTTL, wantCalls: 2,
		},
		{
			name: "past max staleness with failing lookup", rules: oneGroup, members: map[string][]string{"S1A": {"U2B"}}, user: "U2B",
			prime: true, thenErr: errors.New("ratelimited"), advance: DefaultMaxStaleFactor * DefaultGroupTTL, wantCalls: 2,
			want: Ruling{Denial: DenyLookup, Groups: oncall}, wantErr: "ratelimited",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				dir := newFakeDir(tt.members)
				dir.err, dir.errFor = tt.dirErr, tt.errFor
				dir.handles = map[string]string{"S1A": "oncall"}
				groups := NewGroupCache(handleDir{dir})
				p, err := NewPolicy(tt.rules, groups)
				require.NoError(t, err)
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				if tt.cancel {
					cancel()
				}
				if tt.prime {
					require.True(t, p.Check(ctx, tt.user, tt.channel).Permitted(), "priming check")
					dir.set(func(d *fakeDir) { d.members, d.err = nil, tt.thenErr })
					time.Sleep(tt.advance)
				}

				got := p.Check(ctx, tt.user, tt.channel)

				if tt.wantErr == "" {
					require.NoError(t, got.Err)
				} else {
					require.EqualError(t, got.Err, tt.wantErr)
				}
				got.Err = nil
				require.Equal(t, tt.want, got)
				require.Equal(t, tt.want.Denial == NotDenied, got.Permitted())
				synctest.Wait() // background refreshes count too
				require.Equal(t, tt.wantCalls, dir.calls.Load(), "Directory calls")
			})
		})
	}
}

func TestNewPolicy(t *testing.T) {
	t.Parallel()
	_, err := NewPolicy(Rules{Groups: []string{"S1A"}}, nil)
	require.ErrorContains(t, err, "no group cache")

	_, err = NewPolicy(Rules{Users: []string{"@alice"}, Channels: []string{"ops"}}, nil)
	require.ErrorContains(t, err, `"@alice" is a name`)
	require.ErrorContains(t, err, `"ops" is a name`)

	rules := Rules{Users: []string{"U1A"}, Channels: []string{"C1A"}}
	p, err := NewPolicy(rules, nil)
	require.NoError(t, err)
	rules.Users[0] = "U2B"
	got := p.Rules()
	require.Equal(t, []string{"U1A"}, got.Users, "policy keeps its own copy")
	got.Channels[0] = "C9Z"
	require.True(t, p.Check(context.Background(), "U1A", "C1A").Permitted(), "Rules returns a copy")
}

func TestPolicyGroupsWithoutHandles(t *testing.T) {
	t.Parallel()
	dir := newFakeDir(map[string][]string{"S1A": {"U2B"}})
	p, err := NewPolicy(Rules{Groups: []string{"S1A"}}, NewGroupCache(dir))
	require.NoError(t, err)
	r := p.Check(context.Background(), "U3C", "C1A")
	require.Equal(t, []Group{{ID: "S1A"}}, r.Groups)
}

func TestPolicyHandlesFetchedOncePerTTL(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		dir := newFakeDir(map[string][]string{"S1A": {"U2B"}})
		dir.handles = map[string]string{"S1A": "on<call>"}
		p, err := NewPolicy(Rules{Groups: []string{"S1A"}}, NewGroupCache(handleDir{dir}))
		require.NoError(t, err)
		for range 20 {
			require.Equal(t, []Group{{ID: "S1A", Handle: "on<call>"}}, p.Check(context.Background(), "U3C", "").Groups, "as the Directory gave it")
		}
		require.Equal(t, int32(1), dir.hCalls.Load())
		time.Sleep(DefaultGroupTTL)
		p.Check(context.Background(), "U3C", "")
		require.Equal(t, int32(2), dir.hCalls.Load())
	})
}

func TestPolicyDenialsShareOneHandleFetch(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		dir := newFakeDir(map[string][]string{"S1A": {"U2B"}})
		gate := make(chan struct{})
		dir.handles, dir.hGate = map[string]string{"S1A": "oncall"}, gate
		p, err := NewPolicy(Rules{Groups: []string{"S1A"}}, NewGroupCache(handleDir{dir}))
		require.NoError(t, err)

		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		start := time.Now()
		d := p.Check(ctx, "U3C", "")
		require.Equal(t, 5*time.Second, time.Since(start), "a denial waits for handles no longer than its ctx")
		require.Equal(t, []Group{{ID: "S1A"}}, d.Groups, "no handle yet")

		const n = 10
		got := make([]Ruling, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { got[i] = p.Check(context.Background(), "U3C", "") })
		}
		synctest.Wait() // every denial waits on the fetch the first one started
		close(gate)
		wg.Wait()
		for i, d := range got {
			require.Equal(t, []Group{{ID: "S1A", Handle: "oncall"}}, d.Groups, "check %d", i)
		}
		require.Equal(t, int32(1), dir.hCalls.Load(), "one handle fetch, not cut short by the first caller's ctx")
	})
}

func TestPolicyConcurrentChecksShareOneLookup(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		dir := newFakeDir(map[string][]string{"S1A": {"U2B"}})
		gate := make(chan struct{})
		dir.gate = gate
		p, err := NewPolicy(Rules{Users: []string{"U1A"}, Groups: []string{"S1A"}}, NewGroupCache(dir))
		require.NoError(t, err)

		const n = 1000
		got := make([]Ruling, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				user := "U2B" // member; every third asker is not
				if i%3 == 0 {
					user = "U3C"
				}
				got[i] = p.Check(context.Background(), user, "C1A")
			})
		}
		synctest.Wait() // every check waits on the lookup held open at the gate
		close(gate)
		wg.Wait()
		for i, d := range got {
			require.Equal(t, i%3 != 0, d.Permitted(), "check %d: %+v", i, d)
		}
		require.Equal(t, int32(1), dir.calls.Load(), "1000 checks, one group lookup")
	})
}

func BenchmarkPolicyCheck(b *testing.B) {
	dir := newFakeDir(map[string][]string{"S1A": {"U2B"}, "S2B": {"U3C"}})
	p, err := NewPolicy(Rules{Users: []string{"U1A"}, Groups: []string{"S1A", "S2B"}, Channels: []string{"C1A"}}, NewGroupCache(dir))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if !p.Check(ctx, "U3C", "C1A").Permitted() {
		b.Fatal("warm-up check denied")
	}
	b.ReportAllocs()
	for b.Loop() {
		if !p.Check(ctx, "U3C", "C1A").Permitted() {
			b.Fatal("denied")
		}
	}
}
