package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// profileEnv names the file a profiling build writes its CPU profile to.
const profileEnv = "LOADTEST_CPUPROFILE"

// profileSource is added to cmd/bot's package main, only in the binary built
// for -cpuprofile and only through go build -overlay, so the shipped bot
// holds no profiling code. The bot exits through os.Exit, which skips
// deferred calls, so the profile is stopped on SIGUSR1 and ".done" marks it
// complete.
const profileSource = `package main

import (
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
)

func init() {
	path := os.Getenv("` + profileEnv + `")
	if path == "" {
		return
	}
	f, err := os.Create(path)
	if err != nil || pprof.StartCPUProfile(f) != nil {
		return
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGUSR1)
	go func() {
		<-stop
		pprof.StopCPUProfile()
		_ = f.Close()
		_ = os.WriteFile(path+".done", nil, 0o600)
	}()
}
`

// profilingOverlay writes the overlay that adds profileSource to pkg and
// returns the go build flag that applies it.
func profilingOverlay(ctx context.Context, dir, root, pkg string) (string, error) {
	list := exec.CommandContext(ctx, "go", "list", "-f", "{{.Dir}}", pkg)
	list.Dir = root
	out, err := list.Output()
	if err != nil {
		return "", fmt.Errorf("go list %s: %w", pkg, err)
	}
	src := filepath.Join(dir, "loadtest_cpuprofile.go")
	if err := os.WriteFile(src, []byte(profileSource), 0o600); err != nil {
		return "", fmt.Errorf("profiling source: %w", err)
	}
	target := filepath.Join(strings.TrimSpace(string(out)), "zz_loadtest_cpuprofile.go")
	overlay, err := json.Marshal(map[string]map[string]string{"Replace": {target: src}})
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(path, overlay, 0o600); err != nil {
		return "", fmt.Errorf("overlay: %w", err)
	}
	return "-overlay=" + path, nil
}

// finishProfile asks a profiling bot to write its profile and waits for it.
func (p *botProc) finishProfile(path string) error {
	if err := p.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		return fmt.Errorf("signal %s: %w", p.name, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(path + ".done"); err == nil {
			return os.Remove(path + ".done")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("%s did not write its CPU profile to %s", p.name, path)
}
