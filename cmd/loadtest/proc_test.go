package main

import (
	"os"
	"os/exec"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestProcReadsAProcess reads this test process as the tool reads a bot:
// sizes in bytes, CPU time that grows as it works, descriptors it opens.
func TestProcReadsAProcess(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the tool reads /proc, which is Linux's")
	}
	self, err := os.FindProcess(os.Getpid())
	require.NoError(t, err)
	p := &botProc{name: "self", cmd: &exec.Cmd{Process: self}}

	peak, now, err := p.memory()
	require.NoError(t, err)
	require.Greater(t, now, int64(1<<20), "RSS in bytes, not kB")
	require.GreaterOrEqual(t, peak, now)

	cpu0, err := p.cpu()
	require.NoError(t, err)
	cpu1 := cpu0
	for deadline := time.Now().Add(5 * time.Second); cpu1 == cpu0 && time.Now().Before(deadline); {
		spin()
		cpu1, err = p.cpu()
		require.NoError(t, err)
	}
	require.Greater(t, cpu1, cpu0, "CPU time grows with work")
	require.Zero(t, cpu1%(10*time.Millisecond), "whole 10 ms ticks")

	fds0, err := p.openFDs()
	require.NoError(t, err)
	f, err := os.Open(os.DevNull)
	require.NoError(t, err)
	defer f.Close()
	fds1, err := p.openFDs()
	require.NoError(t, err)
	require.Equal(t, fds0+1, fds1)
}

// spin burns a little CPU.
func spin() {
	x := 0
	for i := range 10_000_000 {
		x += i ^ x
	}
	_ = x
}
