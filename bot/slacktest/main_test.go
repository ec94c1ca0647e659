package slacktest_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if any test leaves a goroutine behind: the
// server promises to be clean after Close.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
