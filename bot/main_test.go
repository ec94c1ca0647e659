package bot_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if any test leaves a goroutine behind: the bot
// promises that Run returns with its workers, socket and posts all ended.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
