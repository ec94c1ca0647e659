package polyv_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/polyv"
	"github.com/polyvbot/polyvbot/polyv/polyvtest"
)

// successBody is what a host other than Polyv answers in every test here: a
// success in both shapes, so following a redirect would look like one.
const successBody = `{"code":200,"status":"success","message":"","data":[],"success":true}`

// elsewhere is a raw server standing for the host a redirect points to. It
// counts what reaches it.
func elsewhere(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(successBody))
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// redirecting is a raw server that answers every request with status and
// Location: location, counting the requests.
func redirecting(t *testing.T, tls bool, status int, location string) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if location != "" {
			w.Header().Set("Location", location)
		}
		w.WriteHeader(status)
	})
	srv := httptest.NewUnstartedServer(h)
	if tls {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return srv, &hits
}

// call makes op ("stop" or "status") and returns its error.
func call(c *polyv.Client, op string) error {
	if op == "stop" {
		return stop(context.Background(), c, 10001)
	}
	_, err := c.LiveStatus(context.Background(), 10001)
	return err
}

func TestRedirectsAreNotFollowed(t *testing.T) {
	t.Parallel()
	type tcase struct {
		name   string
		op     string
		status int
		tls    bool // Polyv's side is https, the target plain http
		caller func(*httptest.Server) *http.Client
	}
	var tests []tcase
	for _, op := range []string{"stop", "status"} {
		for _, status := range []int{301, 302, 303, 307, 308} {
			tests = append(tests, tcase{name: fmt.Sprintf("%s %d", op, status), op: op, status: status})
		}
		// The caller's client follows redirects on purpose; it still must not.
		following := func(s *httptest.Server) *http.Client {
			hc := s.Client()
			hc.CheckRedirect = func(*http.Request, []*http.Request) error { return nil }
			return hc
		}
		tests = append(tests,
			tcase{name: op + " 307 https to http, caller's client", op: op, status: 307, tls: true, caller: following},
			tcase{name: op + " 302 https to http, caller's client", op: op, status: 302, tls: true, caller: following})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			other, otherHits := elsewhere(t)
			target, err := url.Parse(other.URL)
			require.NoError(t, err)
			base, baseHits := redirecting(t, tc.tls, tc.status, other.URL+"/collect/path-detail?q=query-detail")
			opts := []polyv.Option{polyv.WithBaseURL(base.URL), polyv.WithRetries(3, time.Millisecond)}
			if tc.caller != nil {
				opts = append(opts, polyv.WithHTTPClient(tc.caller(base)))
			}
			c := polyv.NewClient(testAppID, testAppSecret, opts...)

			err = call(c, tc.op)
			require.Zero(t, otherHits.Load(), "the redirect's target got a request")
			require.EqualValues(t, 1, baseHits.Load(), "a redirect is not retried")
			require.ErrorIs(t, err, polyv.ErrRedirect)
			require.Equal(t, "redirect", polyv.Kind(err))
			var ae *polyv.APIError
			require.ErrorAs(t, err, &ae)
			require.Equal(t, tc.status, ae.HTTPStatus)
			require.Contains(t, err.Error(), fmt.Sprintf("answered HTTP %d with a redirect to http://%s;", tc.status, target.Host))
			require.Equal(t, "http://"+target.Host, ae.Location, "the target's scheme and host, for the caller's own words")
			require.NotContains(t, err.Error(), "POLYV_", "what to configure is the caller's to say")
			require.NotContains(t, err.Error(), "path-detail", "the Location's path is not shown")
			require.NotContains(t, err.Error(), "query-detail", "the Location's query is not shown")
		})
	}
}

func TestRedirectTargets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		status   int
		location string
		want     string // in the error; "self" is the redirecting server's own address
		target   string // APIError.Location; "self" as in want
		hidden   []string
	}{
		{"relative location names the same host", 302, "/login?next=x", "with a redirect to self", "self", []string{"login", "next"}},
		{"credentials in the location are not shown", 301, "https://user:pa55@polyv.example:8443/secret-path?q=1", "with a redirect to https://polyv.example:8443;", "https://polyv.example:8443", []string{"user", "pa55", "secret-path"}},
		{"no location", 302, "", "HTTP 302 without a Location;", "", nil},
		{"unparseable location", 307, "http://[::1/secret-path?q=query-detail", "HTTP 307 with a redirect to an unreadable Location;", "", []string{"secret-path", "query-detail"}},
		{"unparseable port", 308, "http://evil%0d%0aX-Injected:1.example/secret-path", "HTTP 308 with a redirect to an unreadable Location;", "", []string{"secret-path", "Injected"}},
		{"escaped control characters in the host", 302, "http://evil%0d%0ainjected.example/", "HTTP 302 with a redirect to an unreadable Location;", "", []string{"injected"}},
		{"no host", 303, "mailto:x@polyv.example", "HTTP 303 with a redirect to an address without a host;", "", []string{"mailto", "x@"}},
		{"unicode host", 302, "https://пример.example/", "with a redirect to https://пример.example;", "https://пример.example", nil},
		{"another scheme", 302, "ftp://files.example/x", "with a redirect to files.example;", "files.example", []string{"ftp"}},
		{"304 not modified", 304, "", "HTTP 304 without a Location", "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			base, hits := redirecting(t, false, tc.status, tc.location)
			c := polyv.NewClient(testAppID, testAppSecret, polyv.WithBaseURL(base.URL), polyv.WithRetries(3, time.Millisecond))
			err := stop(context.Background(), c, 10001)
			require.ErrorIs(t, err, polyv.ErrRedirect)
			require.EqualValues(t, 1, hits.Load())
			want, target := tc.want, tc.target
			if want == "with a redirect to self" {
				want, target = "with a redirect to "+base.URL+";", base.URL
			}
			require.Contains(t, err.Error(), want)
			var ae *polyv.APIError
			require.ErrorAs(t, err, &ae)
			require.Equal(t, target, ae.Location)
			require.Equal(t, tc.status, ae.HTTPStatus)
			require.NotContains(t, err.Error(), "POLYV_")
			for _, h := range tc.hidden {
				require.NotContains(t, err.Error(), h)
			}
			checkErrorText(t, err)
		})
	}
}

func TestCallersHTTPClientIsNotChanged(t *testing.T) {
	t.Parallel()
	other, otherHits := elsewhere(t)
	base, _ := redirecting(t, false, 302, other.URL)
	hc := &http.Client{}
	c := polyv.NewClient(testAppID, testAppSecret, polyv.WithBaseURL(base.URL), polyv.WithHTTPClient(hc))
	require.ErrorIs(t, stop(context.Background(), c, 1), polyv.ErrRedirect)
	require.Nil(t, hc.CheckRedirect, "the caller's client was changed")
	require.Zero(t, otherHits.Load())

	// The caller's own use of its client still follows redirects.
	resp, err := hc.Get(base.URL)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.EqualValues(t, 1, otherHits.Load())
}

func TestRedirectReplyEndToEnd(t *testing.T) {
	t.Parallel()
	for _, op := range []string{"stop", "status"} {
		t.Run(op, func(t *testing.T) {
			t.Parallel()
			other, otherHits := elsewhere(t)
			srv := fake(t)
			if op == "stop" {
				srv.Script(10001, polyvtest.Redirect(307, other.URL+"/x"))
			} else {
				srv.ScriptStatus(10001, polyvtest.Redirect(302, other.URL+"/x"))
			}
			c, _ := newClient(t, srv)
			err := call(c, op)
			require.ErrorIs(t, err, polyv.ErrRedirect)
			require.False(t, errors.Is(err, polyv.ErrBadResponse), "a redirect has one kind")
			require.Zero(t, otherHits.Load())
			calls := srv.Calls()
			require.Len(t, calls, 1)
			require.Equal(t, "scripted: redirect "+strconv.Itoa(calls[0].HTTPStatus), calls[0].Verdict)
			if op == "stop" {
				st, err := c.LiveStatus(context.Background(), 10001)
				require.NoError(t, err)
				require.Equal(t, polyv.StatusLive, st[10001], "a redirected stop stopped nothing")
			}
		})
	}
}
