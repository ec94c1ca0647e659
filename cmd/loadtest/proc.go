package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/procfs"
)

// botProc is one bot binary running as a child process.
type botProc struct {
	name       string
	cmd        *exec.Cmd
	healthAddr string // "" when the bot serves no health endpoint
	started    time.Time
	exited     chan error
	hc         *http.Client
}

// build compiles pkg into dir as a stripped binary (as an operator would ship
// it) and returns its path and size.
func build(ctx context.Context, dir, root, name, pkg string, flags ...string) (string, int64, error) {
	out := filepath.Join(dir, name)
	args := append([]string{"build", "-trimpath", "-ldflags=-s -w", "-o", out}, flags...)
	cmd := exec.CommandContext(ctx, "go", append(args, pkg)...)
	cmd.Dir = root
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return "", 0, fmt.Errorf("go build %s: %w", pkg, err)
	}
	st, err := os.Stat(out)
	if err != nil {
		return "", 0, fmt.Errorf("stat %s: %w", out, err)
	}
	return out, st.Size(), nil
}

// moduleRoot finds the polyvbot module's directory, so the tool works from
// any directory inside the repository.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	gomod := strings.TrimSpace(string(out))
	if err != nil || gomod == "" || gomod == os.DevNull {
		return "", errors.New("run the load tool inside the polyvbot repository (go env GOMOD finds no module)")
	}
	return filepath.Dir(gomod), nil
}

// startBot runs bin with exactly env (nothing inherited but PATH and HOME, so
// a developer's own tokens never reach it) and its stderr in logPath.
func startBot(name, bin, logPath, healthAddr string, env []string) (*botProc, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("bot log: %w", err)
	}
	cmd := exec.Command(bin)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, env...)
	cmd.Dir = filepath.Dir(logPath) // no stray .env is picked up
	cmd.Stdout, cmd.Stderr = logFile, logFile
	p := &botProc{name: name, cmd: cmd, healthAddr: healthAddr, exited: make(chan error, 1),
		hc: &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}}
	p.started = time.Now()
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() { p.exited <- cmd.Wait(); logFile.Close() }()
	return p, nil
}

// stop sends SIGTERM and waits up to grace for the bot to exit, then kills it.
func (p *botProc) stop(grace time.Duration) error {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.exited:
		return err
	case <-time.After(grace):
		_ = p.cmd.Process.Kill()
		<-p.exited
		return fmt.Errorf("%s did not exit within %s of SIGTERM; killed", p.name, grace)
	}
}

// waitReady polls /readyz until it answers 200 and returns the time since
// start. It fails at once if the bot exits.
func (p *botProc) waitReady(ctx context.Context) (time.Duration, error) {
	for {
		resp, err := p.hc.Get("http://" + p.healthAddr + "/readyz")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(p.started), nil
			}
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("%s: /readyz never answered 200: %w", p.name, ctx.Err())
		case err := <-p.exited:
			p.exited <- err
			return 0, fmt.Errorf("%s exited before it was ready: %v", p.name, err)
		case <-time.After(time.Millisecond):
		}
	}
}

// memory reads the bot's peak (VmHWM) and current (VmRSS) resident set.
func (p *botProc) memory() (peak, now int64, err error) {
	pr, err := procfs.NewProc(p.cmd.Process.Pid)
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w", p.name, err)
	}
	st, err := pr.NewStatus()
	if err != nil {
		return 0, 0, fmt.Errorf("read %s status: %w", p.name, err)
	}
	return int64(st.VmHWM), int64(st.VmRSS), nil
}

// cpu reads the CPU time (user + system) the bot has used so far, in the
// kernel's ticks of 10 ms.
func (p *botProc) cpu() (time.Duration, error) {
	pr, err := procfs.NewProc(p.cmd.Process.Pid)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", p.name, err)
	}
	st, err := pr.Stat()
	if err != nil {
		return 0, fmt.Errorf("read %s stat: %w", p.name, err)
	}
	return time.Duration(st.CPUTime() * float64(time.Second)), nil
}

// resetPeak makes VmHWM start again from the current RSS, so each run reports
// its own peak (Linux: "5" in clear_refs).
func (p *botProc) resetPeak() error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", p.cmd.Process.Pid), []byte("5"), 0)
}

// scrapeSeries reads every series of the bot's /metrics.
func (p *botProc) scrapeSeries() (series, error) {
	body, err := p.metrics()
	if err != nil {
		return nil, err
	}
	s, err := parseSeries(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("scrape %s: %w", p.name, err)
	}
	return s, nil
}

func (p *botProc) metrics() ([]byte, error) {
	if p.healthAddr == "" {
		return nil, errors.New("no health server")
	}
	resp, err := p.hc.Get("http://" + p.healthAddr + "/metrics")
	if err != nil {
		return nil, fmt.Errorf("scrape %s: %w", p.name, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("scrape %s: HTTP %d", p.name, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, fmt.Errorf("scrape %s: %w", p.name, err)
	}
	return body, nil
}

// openFDs counts the bot's open file descriptors (sockets included).
func (p *botProc) openFDs() (int, error) {
	pr, err := procfs.NewProc(p.cmd.Process.Pid)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", p.name, err)
	}
	n, err := pr.FileDescriptorsLen()
	if err != nil {
		return 0, fmt.Errorf("read %s fds: %w", p.name, err)
	}
	return n, nil
}
