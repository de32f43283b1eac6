package redistest

import (
	"os/exec"
	"syscall"
)

// killWithParent has the kernel kill a server when the test binary dies
// without cleaning up (a panic, a test timeout), so none is left running.
func killWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
