package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
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
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0, 0, fmt.Errorf("read %s status: %w", p.name, err)
	}
	kb := parseProcStatus(b)
	return kb["VmHWM"] * 1024, kb["VmRSS"] * 1024, nil
}

// userHZ is the unit of the CPU times in /proc/<pid>/stat; it is 100 on
// every Linux the tool is meant for.
const userHZ = 100

// cpu reads the CPU time (user + system) the bot has used so far.
func (p *botProc) cpu() (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return 0, fmt.Errorf("read %s stat: %w", p.name, err)
	}
	ticks, ok := parseProcStat(b)
	if !ok {
		return 0, fmt.Errorf("%s: unreadable /proc stat", p.name)
	}
	return time.Duration(ticks) * time.Second / userHZ, nil
}

// resetPeak makes VmHWM start again from the current RSS, so each run reports
// its own peak (Linux: "5" in clear_refs).
func (p *botProc) resetPeak() error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", p.cmd.Process.Pid), []byte("5"), 0)
}

// scrape reads the unlabelled series of the bot's /metrics.
func (p *botProc) scrape() (map[string]float64, error) {
	body, err := p.metrics()
	if err != nil {
		return nil, err
	}
	return parseMetrics(body), nil
}

// scrapeSeries reads every series of the bot's /metrics, labelled ones too.
func (p *botProc) scrapeSeries() (series, error) {
	body, err := p.metrics()
	if err != nil {
		return nil, err
	}
	return parseSeries(body), nil
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
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", p.cmd.Process.Pid))
	if err != nil {
		return 0, fmt.Errorf("read %s fds: %w", p.name, err)
	}
	return len(fds), nil
}

// parseProcStatus reads the "Name:   123 kB" lines of /proc/<pid>/status into
// kilobytes by name; other lines are skipped.
func parseProcStatus(b []byte) map[string]int64 {
	out := map[string]int64{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		f := strings.Fields(rest)
		if !ok || len(f) != 2 || f[1] != "kB" {
			continue
		}
		if n, err := strconv.ParseInt(f[0], 10, 64); err == nil && n >= 0 {
			out[name] = n
		}
	}
	return out
}

// parseProcStat returns utime + stime (fields 14 and 15) of a
// /proc/<pid>/stat line. The command name in parentheses may hold spaces and
// parentheses, so fields are counted from the last ")".
func parseProcStat(b []byte) (ticks int64, ok bool) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 { // state is field 3, so utime and stime are f[11] and f[12]
		return 0, false
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	s, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil || u < 0 || s < 0 || u > math.MaxInt64/2 || s > math.MaxInt64/2 {
		return 0, false
	}
	return u + s, true
}

// parseMetrics reads the unlabelled samples ("name value") of the Prometheus
// text format; comments, labelled series and unparsable values are skipped.
func parseMetrics(b []byte) map[string]float64 {
	out := map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") || strings.ContainsRune(line, '{') {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		if v, err := strconv.ParseFloat(f[1], 64); err == nil {
			out[f[0]] = v
		}
	}
	return out
}
