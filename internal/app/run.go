// Package app is polyvbot wired: the configuration read from the
// environment and .env and validated at once, every part built from it
// (Slack client, Polyv client, authorization, limits, metrics, the bot),
// the health server, and the -check preflight. cmd/bot is its main;
// cmd/demo runs the same wiring against a fake Slack and a fake Polyv.
//
// Run is the whole program behind the flags; New builds an App from a map
// of variables, for a caller that supplies its own Slack and Polyv URLs.
package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/joho/godotenv"
)

// Exit codes; see cmd/bot's package doc.
const (
	exitOK     = 0
	exitFatal  = 1
	exitConfig = 2
)

// demoMoved is what a -demo gets: the flag became a command of its own,
// so that the bot's binary links neither fake.
const demoMoved = "the demo is now its own command: go run ./cmd/demo"

// EnvLoader builds the variable lookup. Run calls it only in the modes
// that read configuration, so that a broken .env cannot block -version.
type EnvLoader func() (Environment, error)

// FromEnvFile is the environment with the .env file at path: variables set
// in the environment win. Warnings about a file that loads all the same go
// to warn.
func FromEnvFile(path string, warn io.Writer) EnvLoader {
	return func() (Environment, error) { return envLookup(path, warn) }
}

// Run is the whole program behind the flags in args, so that tests can run
// it end to end. It returns the exit code; it serves until ctx ends.
func Run(ctx context.Context, args []string, loadEnv EnvLoader, stdout, stderr io.Writer) int {
	if asksForDemo(args) {
		fmt.Fprintln(stderr, "polyvbot: -demo: "+demoMoved)
		return exitConfig
	}
	fs := flag.NewFlagSet("polyvbot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	showVersion := fs.Bool("version", false, "print the version and exit")
	dryRun := fs.Bool("dry-run", false, "sign and log the Polyv stop call instead of sending it")
	check := fs.Bool("check", false, "check the configuration and every credential for real, without side effects, and exit")
	fs.Usage = func() { usage(fs) }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK // asked for, as with the flag package's own ExitOnError
		}
		return exitConfig
	}
	if *showVersion {
		fmt.Fprintln(stdout, versionLine())
		return exitOK
	}
	lookup, err := loadEnv()
	if err != nil {
		fmt.Fprintf(stderr, "polyvbot: %v\n", err)
		return exitConfig
	}
	if *check {
		return runCheck(ctx, lookup, *dryRun, stdout)
	}
	return runBot(ctx, lookup, *dryRun, stderr)
}

// asksForDemo reports whether one of the flags in args is -demo, which the
// flag package would only call undefined, without the way to the demo.
func asksForDemo(args []string) bool {
	for _, a := range args {
		if a == "--" || !strings.HasPrefix(a, "-") {
			return false
		}
		if name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "="); name == "demo" {
			return true
		}
	}
	return false
}

// usage is -help: the flags, then where the configuration comes from and
// every variable with its line of help.
func usage(fs *flag.FlagSet) {
	w := fs.Output()
	fmt.Fprintln(w, "Usage: polyvbot [-check | -dry-run | -version]")
	fmt.Fprintln(w, "Without a flag it runs the bot. Flags:")
	fs.PrintDefaults()
	fmt.Fprintln(w, "\nConfiguration: from the environment and from .env in the working directory when present;")
	fmt.Fprintln(w, "where both set a variable, the environment wins. .env.example documents each variable:")
	printVariables(w)
}

// runBot loads the configuration and serves until ctx ends or Slack rejects
// a token.
func runBot(ctx context.Context, env Environment, dryRun bool, stderr io.Writer) int {
	unknown := unknownVars(env.set)
	cfg, err := loadConfig(env)
	if err != nil {
		fmt.Fprint(stderr, unknownWarnings(unknown, err)+configProblems(err))
		return exitConfig
	}
	cfg.DryRun = cfg.DryRun || dryRun
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	logUnknown(log, unknown)
	a, err := newApp(cfg, log)
	if err != nil {
		fmt.Fprintf(stderr, "polyvbot: %v\n", err)
		return exitConfig
	}
	if err := a.Run(ctx); err != nil {
		log.Error("polyvbot stopped", "err", err)
		fmt.Fprintf(stderr, "polyvbot: %v\n", err)
		return exitFatal
	}
	log.Info("polyvbot stopped")
	return exitOK
}

// configProblems is the start-up message for a configuration that does not
// load: one problem per line, then where to look.
func configProblems(err error) string {
	return "polyvbot: the configuration has problems:\n" + indent(err) + "\nSee .env.example for every variable.\n"
}

// envLookup reads the environment, then the .env file at path when present:
// variables already set in the environment win. A malformed file is an error
// that names the line where parsing breaks but never repeats its text: the
// file holds secrets, and godotenv's own errors quote it. Warnings about a
// file that loads all the same go to warn.
func envLookup(path string, warn io.Writer) (Environment, error) {
	file, err := readEnvFile(path, warn)
	if err != nil {
		return Environment{}, err
	}
	lookup := func(name string) (string, bool) {
		if v, ok := os.LookupEnv(name); ok {
			return v, true
		}
		v, ok := file[name]
		return v, ok
	}
	return Environment{lookup: lookup, set: setIn(os.Environ(), file)}, nil
}

// readEnvFile parses the .env file at path; no file is an empty one. A
// UTF-8 byte order mark at its start, which some Windows editors write, is
// dropped and named on warn: godotenv would read it as part of the first
// name and refuse line 1 without a word about why.
func readEnvFile(path string, warn io.Writer) (map[string]string, error) {
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("%s could not be read: %w", path, errors.Unwrap(err))
	}
	text, bom := strings.CutPrefix(string(b), string(byteOrderMark))
	if bom {
		fmt.Fprintf(warn, "polyvbot: warning: %s starts with a UTF-8 byte order mark (BOM); it was ignored. "+
			"Save the file as UTF-8 without BOM: other tools that read it may not ignore it.\n", path)
	}
	file, err := godotenv.Unmarshal(text)
	if err != nil {
		return nil, envFileError(path, text)
	}
	return file, nil
}

// mapLookup serves variables from a map, as if set in the environment: the
// demo's configuration, and the tests'.
func mapLookup(env map[string]string) Environment {
	set := make(map[string]string, len(env))
	for name := range env {
		set[name] = setInEnvironment
	}
	lookup := func(name string) (string, bool) {
		v, ok := env[name]
		return v, ok
	}
	return Environment{lookup: lookup, set: set}
}

// envFileError says which line of a malformed .env (its text, without the
// byte order mark) breaks it.
func envFileError(path, text string) error {
	const fix = "write one NAME=value per line, quote values that contain spaces or #, close every quote"
	if line := badEnvLine(text); line > 0 {
		return fmt.Errorf("%s line %d cannot be parsed (its text is not shown: the file holds secrets); %s", path, line, fix)
	}
	return fmt.Errorf("%s cannot be parsed; %s", path, fix)
}

// badEnvLine is the first line after the longest prefix of text that
// parses, so a quote left open is blamed on its own line, not on the end of
// the file. It is 0 when the whole text parses.
func badEnvLine(text string) int {
	lines := strings.SplitAfter(text, "\n")
	for n := len(lines); n >= 0; n-- {
		if _, err := godotenv.Unmarshal(strings.Join(lines[:n], "")); err == nil {
			if n == len(lines) {
				return 0
			}
			return n + 1
		}
	}
	return 1
}

// indent puts each of a joined error's problems on its own "  - " line.
func indent(err error) string {
	return "  - " + strings.ReplaceAll(err.Error(), "\n", "\n  - ")
}
