package slackclient

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if any test leaves a goroutine behind: a
// Socket's Run promises to return with slack-go's connection loop ended.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
