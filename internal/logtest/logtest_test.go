package logtest_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/internal/logtest"
)

func TestBufferKeepsEveryConcurrentWrite(t *testing.T) {
	t.Parallel()
	var b logtest.Buffer
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() { _, _ = fmt.Fprintf(&b, "line %d\n", i) })
	}
	wg.Wait()
	require.Equal(t, 50, strings.Count(b.String(), "\n"))
	require.Contains(t, b.String(), "line 49\n")
}
