package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The Dockerfile builds qunsu as it stands: its Go is the one go.mod names,
// and its build command (same environment, flags and package) is accepted by
// go build -n, which plans the build without compiling, with no C compiler
// nor external linking in it (a static binary). Its image runs serve as a non-root user, checks
// /healthz, and stops on SIGTERM.
func TestDockerfile(t *testing.T) {
	docker := string(mustRead(t, "../../Dockerfile"))
	gomod := string(mustRead(t, "../../go.mod"))

	goVersion := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindStringSubmatch(gomod)
	if goVersion == nil || !strings.Contains(docker, "FROM golang:"+goVersion[1]+"-") {
		t.Errorf("the build image is not Go %v", goVersion)
	}
	build := regexp.MustCompile(`(?m)^RUN CGO_ENABLED=0 go build (.+) -o \S+ (\./cmd/qunsu)$`).FindStringSubmatch(docker)
	if build == nil {
		t.Fatal("no static go build of ./cmd/qunsu in the Dockerfile")
	}
	args := []string{"build", "-n"}
	for _, f := range regexp.MustCompile(`(?:[^\s"]+|"[^"]*")+`).FindAllString(build[1], -1) {
		args = append(args, strings.ReplaceAll(f, `"`, ""))
	}
	args = append(args, "-o", filepath.Join(t.TempDir(), "qunsu"), build[2])
	cmd := exec.Command("go", args...)
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	if plan := string(out); strings.Contains(plan, "/cgo ") || strings.Contains(plan, "-linkmode=external") {
		t.Error("the build runs cgo or an external linker: not static")
	}

	final := docker[strings.LastIndex(docker, "\nFROM "):]
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^USER [1-9]\d*:[1-9]\d*$`),
		regexp.MustCompile(`(?m)^HEALTHCHECK .*\n?.*http://127\.0\.0\.1:8080/healthz`),
		regexp.MustCompile(`(?m)^ENV QUNSU_HTTP_ADDR=:8080$`),
		regexp.MustCompile(`(?m)^STOPSIGNAL SIGTERM$`),
		regexp.MustCompile(`(?m)^CMD \["serve"\]$`),
	} {
		if !want.MatchString(final) {
			t.Errorf("the image lacks %s", want)
		}
	}
}
