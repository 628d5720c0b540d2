// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

// Package hack holds tests of the repository's build files, which no Go package owns.
package hack

import (
	"bufio"
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// copyStep is one COPY instruction: sources in the build context, a destination in the image.
type copyStep struct {
	sources []string
	dest    string
}

// builderCopies reads the COPY instructions of the Dockerfile's builder stage (FROM ... AS builder, up to
// the next FROM), and its WORKDIR.
func builderCopies(t *testing.T, dockerfile string) (workdir string, steps []copyStep) {
	t.Helper()
	f, err := os.Open(dockerfile)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	inBuilder, line := false, ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line += strings.TrimSpace(sc.Text())
		if strings.HasSuffix(line, `\`) {
			line = strings.TrimSuffix(line, `\`) + " "
			continue
		}
		fields := strings.Fields(line)
		line = ""
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		switch strings.ToUpper(fields[0]) {
		case "FROM":
			inBuilder = strings.EqualFold(fields[len(fields)-1], "builder") && len(fields) >= 4
		case "WORKDIR":
			if inBuilder {
				workdir = fields[1]
			}
		case "COPY":
			if inBuilder {
				steps = append(steps, parseCopy(t, fields[1:]))
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(steps) == 0 {
		t.Fatalf("%s has no builder stage with COPY instructions", dockerfile)
	}
	return workdir, steps
}

func parseCopy(t *testing.T, args []string) copyStep {
	t.Helper()
	var paths []string
	for _, a := range args {
		switch {
		case strings.HasPrefix(a, "--from"):
			t.Fatalf("the builder stage copies from another stage (%s): this test knows only the build context", a)
		case strings.HasPrefix(a, "--"): // --chown, --chmod, --link: no effect on what the build sees
		case strings.HasPrefix(a, "["):
			t.Fatalf("COPY in JSON form is not supported by this test: %v", args)
		default:
			paths = append(paths, a)
		}
	}
	if len(paths) < 2 {
		t.Fatalf("COPY %v names no source", args)
	}
	return copyStep{sources: paths[:len(paths)-1], dest: paths[len(paths)-1]}
}

// place copies one COPY step from the repository into the image's root, as Docker does: a directory's
// contents into the destination; files into it when it ends in "/" or there are several, else onto it.
func place(t *testing.T, repo, root, workdir string, s copyStep) {
	t.Helper()
	dest := s.dest
	if !filepath.IsAbs(dest) {
		dest = filepath.Join(workdir, dest)
	}
	dest = filepath.Join(root, dest)
	intoDir := strings.HasSuffix(s.dest, "/") || s.dest == "." || len(s.sources) > 1
	for _, src := range s.sources {
		from := filepath.Join(repo, src)
		info, err := os.Stat(from)
		if err != nil {
			t.Fatalf("COPY %s: %v", src, err)
		}
		switch {
		case info.IsDir():
			if err := os.CopyFS(dest, os.DirFS(from)); err != nil {
				t.Fatalf("COPY %s: %v", src, err)
			}
		case intoDir:
			copyFile(t, from, filepath.Join(dest, filepath.Base(src)))
		default:
			copyFile(t, from, dest)
		}
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// The image builds: exactly what the Dockerfile's builder stage copies is enough for `go build
// ./cmd/manager` (offline, from this machine's module cache, as `go mod download` leaves it in the image).
// It builds without the image's -trimpath and CGO_ENABLED=0, which change nothing about which sources are
// needed and would rebuild every dependency instead of reusing the build cache.
func TestDockerfileCopiesWhatTheManagerNeeds(t *testing.T) {
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	workdir, steps := builderCopies(t, filepath.Join(repo, "Dockerfile"))
	if workdir == "" {
		workdir = "/"
	}
	root := t.TempDir()
	for _, s := range steps {
		place(t, repo, root, workdir, s)
	}
	dir := filepath.Join(root, workdir)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	modcache, err := exec.CommandContext(ctx, "go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	build := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(t.TempDir(), "manager"), "./cmd/manager")
	build.Dir = dir
	build.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOMODCACHE="+strings.TrimSpace(string(modcache)),
		"GOPROXY=off", "GOWORK=off")
	if out, err := build.CombinedOutput(); err != nil {
		t.Errorf("go build ./cmd/manager from what the Dockerfile copies (%s) failed: %v\n%s", listing(t, dir), err, out)
	}
}

// listing names the top-level entries of dir, for a failure message.
func listing(t *testing.T, dir string) string {
	t.Helper()
	entries, err := fs.ReadDir(os.DirFS(dir), ".")
	if err != nil {
		return err.Error()
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return strings.Join(names, " ")
}
